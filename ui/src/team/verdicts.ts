import type { SubmissionStatus, Verdict } from "../bindings";

export const VERDICT_NAMES: Record<Verdict, string> = {
  AC: "Accepted",
  WA: "Wrong answer",
  TLE: "Time limit exceeded",
  MLE: "Memory limit exceeded",
  RTE: "Run-time error",
  OLE: "Output limit exceeded",
  CE: "Compile error",
};

/** One step of a submission's way, in words. */
export function stepOf(s: SubmissionStatus): string {
  switch (s.phase) {
    case "pending_callback":
      return "sent: the jury is pulling the file";
    case "queued":
      return s.queue_position ? `queued (position ${s.queue_position})` : "queued";
    case "judging":
      return s.testcases_total
        ? `judging testcase ${Math.min((s.testcases_done ?? 0) + 1, s.testcases_total)} of ${s.testcases_total}`
        : "judging";
    case "judged":
      return s.verdict ? VERDICT_NAMES[s.verdict] : "judged";
    case "rejected":
      return `refused: ${s.reason ?? "no reason given"}`;
  }
}

/** A short word for the step (the trail of states the team saw). */
export function shortStep(s: SubmissionStatus): string {
  switch (s.phase) {
    case "pending_callback":
      return "sent";
    case "queued":
      return "queued";
    case "judging":
      return s.testcases_total ? `judging ${s.testcases_done ?? 0}/${s.testcases_total}` : "judging";
    case "judged":
      return s.verdict ?? "judged";
    case "rejected":
      return "refused";
  }
}

/** The language whose extensions include `file`'s. */
export function guessLanguage(
  file: string,
  languages: { id: string; extensions: string[] }[],
): string | null {
  const dot = file.lastIndexOf(".");
  if (dot < 0) return null;
  const ext = file.slice(dot + 1).toLowerCase();
  return languages.find((l) => l.extensions.map((e) => e.toLowerCase()).includes(ext))?.id ?? null;
}

/** Contest time `ms` as H:MM:SS. */
export function hms(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}
