// The team window's calls into Rust and the events it hears. Every type
// comes from bindings.ts, generated from the Rust types.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  AuditLine,
  BalloonView,
  JudgehostView,
  ClarificationInfo,
  CommandError,
  ConsoleState,
  ContestView,
  JuryBoards,
  JuryClarification,
  KioskState,
  PairingCode,
  PairingRequest,
  PasswordRequest,
  PasswordSlip,
  ProblemMaterial,
  RejudgeRequest,
  RejudgingView,
  Session,
  StaffMember,
  SubmissionDetail,
  SubmissionRow,
  SubmissionStatus,
  SubmitOutcome,
  TeamPush,
  TeamRow,
  TeamScoreboard,
  UploadFile,
} from "./bindings";

/** A command's failure: `{code, message}` from Rust. */
export function failure(e: unknown): CommandError {
  if (e && typeof e === "object" && "code" in e && "message" in e) return e as CommandError;
  return { code: "kiosk", message: String(e) };
}

export const api = {
  state: () => invoke<KioskState>("kiosk_state"),
  identify: () => invoke<Session>("identify"),
  login: (team: string, password: string) => invoke<Session>("login", { team, password }),
  requestPairing: () => invoke<PairingCode>("request_pairing"),
  contest: () => invoke<ContestView>("contest"),
  problem: (key: string) => invoke<ProblemMaterial>("problem", { key }),
  problemFile: (problem: string, part: "statement" | "in" | "ans", path: string) =>
    invoke<ArrayBuffer>("problem_file", { problem, part, path }),
  downloadProblem: (key: string) => invoke<string[]>("download_problem", { key }),
  submit: (problem: string, language: string, files: UploadFile[]) =>
    invoke<SubmitOutcome>("submit", { problem, language, files }),
  submitPaths: (problem: string, language: string, paths: string[]) =>
    invoke<SubmitOutcome>("submit_paths", { problem, language, paths }),
  submissions: () => invoke<SubmissionStatus[]>("submissions"),
  scoreboard: () => invoke<TeamScoreboard>("scoreboard"),
  clarifications: () => invoke<ClarificationInfo[]>("clarifications"),
  ask: (problem: string | null, text: string) => invoke<ClarificationInfo>("ask", { problem, text }),
  watchFile: (path: string | null) => invoke<void>("watch_file", { path }),
  exitKiosk: (code: string) => invoke<void>("exit_kiosk", { code }),
};

/** The jury console's commands. */
export const consoleApi = {
  state: () => invoke<ConsoleState>("console_state"),
  login: (name: string, password: string, code: string | null) =>
    invoke<StaffMember>("staff_login", { name, password, code }),
  logout: () => invoke<void>("staff_logout"),
  submissions: () => invoke<SubmissionRow[]>("jury_submissions"),
  submission: (id: number) => invoke<SubmissionDetail>("jury_submission", { id }),
  pairings: () => invoke<PairingRequest[]>("jury_pairings"),
  approvePairing: (code: string, team: string) => invoke<TeamRow>("jury_approve_pairing", { code, team }),
  refusePairing: (code: string) => invoke<void>("jury_refuse_pairing", { code }),
  teams: () => invoke<TeamRow[]>("jury_teams"),
  resetIp: (team: string) => invoke<TeamRow>("jury_reset_ip", { team }),
  clarifications: () => invoke<JuryClarification[]>("jury_clarifications"),
  answer: (id: number, text: string, toAll: boolean) => invoke<number>("jury_answer", { id, text, toAll }),
  announce: (text: string, problem: string | null) => invoke<number>("jury_announce", { text, problem }),
  rejudge: (request: RejudgeRequest) => invoke<RejudgingView>("jury_rejudge", { request }),
  rejudgings: () => invoke<RejudgingView[]>("jury_rejudgings"),
  endRejudging: (id: number, apply: boolean) => invoke<RejudgingView>("jury_end_rejudging", { id, apply }),
  clock: (action: "start" | "freeze" | "unfreeze" | "end") => invoke<void>("jury_clock", { action }),
  boards: () => invoke<JuryBoards>("jury_boards"),
  judgehosts: () => invoke<JudgehostView[]>("jury_judgehosts"),
  addJudgehost: (name: string) => invoke<string>("jury_add_judgehost", { name }),
  revokeJudgehost: (name: string) => invoke<void>("jury_revoke_judgehost", { name }),
  audit: (query: string) => invoke<AuditLine[]>("jury_audit", { query }),
  balloons: () => invoke<BalloonView[]>("jury_balloons"),
  passwords: (request: PasswordRequest) => invoke<PasswordSlip[]>("jury_passwords", { request }),
  deliverBalloon: (submission: number) => invoke<void>("jury_deliver_balloon", { submission }),
};

/** Calls `load` now and then every `ms` until the returned stop is called;
 * a failure goes to `failed` and the polling goes on. */
export function poll(load: () => Promise<void>, failed: (e: CommandError) => void, ms = 1000): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      await load();
    } catch (e) {
      failed(failure(e));
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** Calls `handler` with every push until the returned function is called. */
export function onPush(handler: (p: TeamPush) => void): Promise<UnlistenFn> {
  return listen<TeamPush>("push", (e) => handler(e.payload));
}

/** File contents as base64 (what the submit command takes). */
export async function toUpload(file: File): Promise<UploadFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return { name: file.name, base64: btoa(binary) };
}
