//! The wasmtime backend: one [`WasmSandbox`] (one `Engine`) per process, one
//! short-lived `Store` per run, compiled modules kept in a byte-bounded LRU.
//!
//! A guest gets exactly what [`RunSpec`] gives it: stdin, capped stdout and
//! stderr, arguments, and (for validators only) preopened folders. No
//! environment, no network, clocks frozen at zero, a fixed random seed, and a
//! `poll_oneoff` that never sleeps: the same program on the same input does
//! the same work, so it uses the same fuel on every judgehost.
//!
//! Limits: fuel (CPU), an epoch deadline (wall clock backstop), a resource
//! limiter (memory), and the output caps. What happened to the guest is data
//! ([`RunOutcome`]); what went wrong with us is a [`SandboxError`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::component::{Component, ResourceTable};
use wasmtime::{Config, Engine, InstancePre, Linker, Module, ResourceLimiter, Store, Trap};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::module_cache::ModuleCache;
use super::{CpuUsed, Limits, Pipe, PipeReader, RunOutcome, SandboxError, Termination};

/// How often the epoch advances: the wall-clock deadline's resolution.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);
/// The largest native stack wasm code may use (deep recursion is allowed up
/// to this, as Kattis allows stack up to the memory limit).
pub const MAX_WASM_STACK: usize = 256 << 20;
/// Stack of the threads that run guests: above [`MAX_WASM_STACK`].
pub const GUEST_THREAD_STACK: usize = MAX_WASM_STACK + (16 << 20);
/// Bytes of compiled contestant modules kept for reuse (least recently used
/// dropped beyond it).
pub const MODULE_CACHE_BYTES: usize = 512 << 20;
/// Longest Cranelift may take on one contestant module.
pub const PREPARE_TIME: Duration = Duration::from_secs(30);

fn wt(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Wasmtime(format!("{e:#}"))
}

/// A folder the guest sees (validators only).
#[derive(Debug, Clone)]
pub struct Preopen {
    /// Folder on the host.
    pub host: PathBuf,
    /// Where the guest sees it, e.g. `/judge`.
    pub guest: String,
    /// Whether the guest may write there.
    pub writable: bool,
}

/// What a run gets.
#[derive(Debug)]
pub struct RunSpec {
    /// Its stdin.
    pub stdin: PipeReader,
    /// Its stdout (give it a [`Pipe::capped`] of `limits.output_bytes`).
    pub stdout: Pipe,
    /// `argv`, including `argv[0]`.
    pub args: Vec<String>,
    /// Environment variables (none unless an interpreter needs one).
    pub env: Vec<(String, String)>,
    /// Folders it may see.
    pub preopens: Vec<Preopen>,
    /// Its limits.
    pub limits: Limits,
}

struct MemoryLimiter {
    limit: usize,
    peak: usize,
    hit: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.hit = true;
            // Report what the guest asked for: that is what broke the limit.
            self.peak = self.peak.max(desired);
            // An error (not Ok(false)): malloc returning NULL would let the
            // program scribble over address 0 instead of failing.
            return Err(wasmtime::format_err!("memory limit exceeded"));
        }
        self.peak = self.peak.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// A core module's state: WASI preview 1.
struct GuestState {
    wasi: WasiP1Ctx,
    limiter: MemoryLimiter,
}

/// A component's state (the Python runtime): WASI 0.2.
struct ComponentState {
    ctx: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
}

impl WasiView for ComponentState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// A clock that always says zero: guests cannot time themselves, so their
/// behaviour (and fuel) does not depend on the machine.
struct FrozenClock;

impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1
    }
    fn now(&self) -> u64 {
        0
    }
}

/// Which checks compiled code carries. Both are on in judging; turning them
/// off exists only so benchmarks can show what each costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Fuel counting (the CPU limit).
    pub fuel: bool,
    /// Epoch deadline checks (the wall-clock backstop).
    pub epoch: bool,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            fuel: true,
            epoch: true,
        }
    }
}

/// The process's sandbox: a wasmtime engine, a linker with WASI preview 1,
/// a ticker thread for epochs, and a cache of linked modules.
pub struct WasmSandbox {
    engine: Engine,
    linker: Linker<GuestState>,
    component_linker: wasmtime::component::Linker<ComponentState>,
    cache: Mutex<ModuleCache<InstancePre<GuestState>>>,
    prepare_time: Duration,
    stop_ticker: Arc<AtomicBool>,
    checks: Checks,
}

impl std::fmt::Debug for WasmSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmSandbox").finish_non_exhaustive()
    }
}

impl Drop for WasmSandbox {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// An engine with the sandbox's settings.
fn new_engine(checks: Checks) -> Result<Engine, SandboxError> {
    // Loops cost fuel on every iteration (wasmtime's default makes `loop`
    // free, so an empty infinite loop would never run out). Every other
    // operator keeps its default cost: a fitted per-operator table was tried
    // for Python and did not narrow its spread (see `--bench python_cost`).
    let mut cost = wasmtime::OperatorCost::new();
    cost.Loop = 1;
    let mut config = Config::new();
    config
        .consume_fuel(checks.fuel)
        .operator_cost(cost)
        .epoch_interruption(checks.epoch)
        .max_wasm_stack(MAX_WASM_STACK)
        .async_stack_size(MAX_WASM_STACK + (1 << 20))
        .cranelift_opt_level(wasmtime::OptLevel::Speed);
    Engine::new(&config).map_err(wt)
}

impl WasmSandbox {
    /// Creates the engine, with every check on, and starts its epoch ticker.
    pub fn new() -> Result<WasmSandbox, SandboxError> {
        Self::with_checks(Checks::default())
    }

    /// Creates the engine with the given checks (benchmarks only: judging
    /// needs both).
    pub fn with_checks(checks: Checks) -> Result<WasmSandbox, SandboxError> {
        let engine = new_engine(checks)?;
        let mut linker: Linker<GuestState> = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |s: &mut GuestState| &mut s.wasi)
            .map_err(wt)?;
        // poll_oneoff (sleep) blocks the host thread past any deadline: a
        // guest gets "not supported" instead. (The Python runtime replaces
        // time.sleep itself: it never polls.)
        linker.allow_shadowing(true);
        linker
            .func_wrap(
                "wasi_snapshot_preview1",
                "poll_oneoff",
                |_: i32, _: i32, _: i32, _: i32| -> i32 {
                    58 /* ENOTSUP */
                },
            )
            .map_err(wt)?;
        let mut component_linker = wasmtime::component::Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut component_linker).map_err(wt)?;
        let stop_ticker = Arc::new(AtomicBool::new(false));
        {
            let engine = engine.clone();
            let stop = stop_ticker.clone();
            std::thread::Builder::new()
                .name("epoch-ticker".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(wt)?;
        }
        Ok(WasmSandbox {
            engine,
            linker,
            component_linker,
            cache: Mutex::new(ModuleCache::new(MODULE_CACHE_BYTES)),
            prepare_time: PREPARE_TIME,
            stop_ticker,
            checks,
        })
    }

    /// Compiles (with Cranelift) and links a contestant's module, cached by
    /// `key` (use the content hash of the wasm). Cranelift gets
    /// [`WasmSandbox::prepare_time`]; past it the module is given up (its
    /// compilation finishes on a thread of its own and is thrown away).
    pub fn prepare(&self, key: &str, wasm: &[u8]) -> Result<Prepared, SandboxError> {
        if let Some(pre) = self.cached(key) {
            return Ok(pre);
        }
        let engine = self.engine.clone();
        let owned = wasm.to_vec();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("cranelift".into())
            .spawn(move || {
                let _ = tx.send(Module::new(&engine, &owned));
            })
            .map_err(wt)?;
        let module = match rx.recv_timeout(self.prepare_time) {
            Ok(module) => module.map_err(wt)?,
            Err(_) => {
                tracing::warn!(key, limit = ?self.prepare_time, "Cranelift took too long: module given up");
                return Err(SandboxError::PrepareTimeout(self.prepare_time));
            }
        };
        let pre = self.linker.instantiate_pre(&module).map_err(wt)?;
        let image = module.image_range();
        let bytes = (image.end as usize).saturating_sub(image.start as usize) + wasm.len();
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, pre.clone(), bytes);
        Ok(Prepared(Linked::Module(pre)))
    }

    /// Compiles and links one of our own runtimes built as a WASI command
    /// component (the Python runtime; the caller keeps it for the life of
    /// the process). Cranelift takes 15–30 s on it, so the compiled form is
    /// kept in `cache_dir` (keyed by `key` and this engine's settings) and
    /// loaded from there by later processes.
    pub fn prepare_runtime_component(
        &self,
        key: &str,
        wasm: &[u8],
        cache_dir: Option<&std::path::Path>,
    ) -> Result<Prepared, SandboxError> {
        let component = match cache_dir {
            Some(dir) => super::compiled_cache::component(&self.engine, key, wasm, dir)?,
            None => Component::new(&self.engine, wasm).map_err(wt)?,
        };
        let pre = self
            .component_linker
            .instantiate_pre(&component)
            .map_err(wt)?;
        Ok(Prepared(Linked::Component(
            CommandPre::new(pre).map_err(wt)?,
        )))
    }

    /// A module prepared earlier under `key`, if any.
    pub fn cached(&self, key: &str) -> Option<Prepared> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .map(|pre| Prepared(Linked::Module(pre)))
    }

    /// Bytes and count of contestant modules in the cache.
    pub fn cache_usage(&self) -> (usize, usize) {
        let c = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        (c.bytes(), c.len())
    }

    /// Sets the byte budget of the module cache (emptying it) and the time
    /// Cranelift gets per module.
    pub fn set_bounds(&mut self, cache_bytes: usize, prepare_time: Duration) {
        self.cache = Mutex::new(ModuleCache::new(cache_bytes));
        self.prepare_time = prepare_time;
    }

    /// How long Cranelift may take on one contestant module.
    pub fn prepare_time(&self) -> Duration {
        self.prepare_time
    }

    /// Runs a prepared module to completion (on the calling thread, which
    /// needs a stack of [`GUEST_THREAD_STACK`]).
    pub fn run(&self, module: &Prepared, spec: RunSpec) -> Result<RunOutcome, SandboxError> {
        let limits = spec.limits;
        let stderr = Pipe::truncating(limits.stderr_bytes);
        let mut b = WasiCtxBuilder::new();
        b.stdin(spec.stdin)
            .stdout(spec.stdout.writer())
            .stderr(stderr.writer())
            .args(&spec.args)
            .envs(&spec.env)
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .secure_random(wasmtime_wasi::Deterministic::new(vec![42; 32]))
            .insecure_random(wasmtime_wasi::Deterministic::new(vec![7; 32]))
            .insecure_random_seed(0)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .allow_blocking_current_thread(true);
        for p in &spec.preopens {
            let perms = if p.writable {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            b.preopened_dir(&p.host, &p.guest, perms)
                .map_err(|e| SandboxError::Preopen {
                    path: p.host.clone(),
                    message: format!("{e:#}"),
                })?;
        }
        let limiter = MemoryLimiter {
            limit: limits.memory_bytes,
            peak: 0,
            hit: false,
        };
        let (result, wall, fuel_left, limiter) = match &module.0 {
            Linked::Module(pre) => {
                let state = GuestState {
                    wasi: b.build_p1(),
                    limiter,
                };
                let mut store = Store::new(&self.engine, state);
                store.limiter(|s| &mut s.limiter);
                self.arm(&mut store, &limits)?;
                let start = Instant::now();
                let result = pre.instantiate(&mut store).and_then(|instance| {
                    let main = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
                    main.call(&mut store, ())
                });
                let wall = start.elapsed();
                let fuel_left = self.fuel_left(&store, &limits);
                (result, wall, fuel_left, store.into_data().limiter)
            }
            Linked::Component(pre) => {
                let state = ComponentState {
                    ctx: b.build(),
                    table: ResourceTable::new(),
                    limiter,
                };
                let mut store = Store::new(&self.engine, state);
                store.limiter(|s| &mut s.limiter);
                self.arm(&mut store, &limits)?;
                let start = Instant::now();
                let result = pre.instantiate(&mut store).and_then(|command| {
                    // `run` returning Err is a failure exit status.
                    match command.wasi_cli_run().call_run(&mut store)? {
                        Ok(()) => Ok(()),
                        Err(()) => Err(I32Exit(1).into()),
                    }
                });
                let wall = start.elapsed();
                let fuel_left = self.fuel_left(&store, &limits);
                (result, wall, fuel_left, store.into_data().limiter)
            }
        };
        let termination = match &result {
            _ if limiter.hit => Termination::MemoryLimit,
            _ if spec.stdout.overflowed() => Termination::OutputLimit,
            Ok(()) => Termination::Exited(0),
            Err(e) => classify(e),
        };
        let fuel = match termination {
            Termination::OutOfFuel => limits.fuel,
            // After an epoch trap the fuel counter is stale: unknown.
            Termination::WallTimeout => 0,
            _ => limits.fuel.saturating_sub(fuel_left),
        };
        let peak_memory = limiter.peak;
        Ok(RunOutcome {
            termination,
            cpu: CpuUsed::Fuel(fuel),
            wall,
            peak_memory,
            stderr: stderr.take(),
        })
    }

    /// Gives a store its fuel and wall-clock deadline.
    fn arm<T>(&self, store: &mut Store<T>, limits: &Limits) -> Result<(), SandboxError> {
        if self.checks.fuel {
            store.set_fuel(limits.fuel).map_err(wt)?;
        }
        if self.checks.epoch {
            let ticks = limits.wall.as_nanos() / EPOCH_TICK.as_nanos() + 1;
            store.set_epoch_deadline(ticks as u64);
            store.epoch_deadline_trap();
        }
        Ok(())
    }

    fn fuel_left<T>(&self, store: &Store<T>, limits: &Limits) -> u64 {
        if self.checks.fuel {
            store.get_fuel().unwrap_or(0)
        } else {
            limits.fuel
        }
    }
}

/// A module (or our runtime component) compiled and linked, ready to
/// instantiate.
#[derive(Clone)]
pub struct Prepared(Linked);

#[derive(Clone)]
enum Linked {
    /// A core module with WASI preview 1 (compiled languages).
    Module(InstancePre<GuestState>),
    /// A WASI 0.2 command component (the Python runtime).
    Component(CommandPre<ComponentState>),
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared")
    }
}

fn classify(e: &wasmtime::Error) -> Termination {
    if let Some(exit) = e.downcast_ref::<I32Exit>() {
        return Termination::Exited(exit.0);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Termination::OutOfFuel,
        Some(Trap::Interrupt) => Termination::WallTimeout,
        Some(trap) => Termination::Trap(trap.to_string()),
        None => {
            let text = format!("{e:#}");
            if text.contains("output limit exceeded") {
                Termination::OutputLimit
            } else {
                Termination::Trap(text)
            }
        }
    }
}

/// What a module asks for before any of it runs, read from its sections
/// without compiling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleFacts {
    /// Size of the module file.
    pub module_bytes: usize,
    /// Initial linear memory (static data, bss and stack), bytes.
    pub initial_memory_bytes: u64,
    /// Bytes of initialised data segments.
    pub data_bytes: u64,
    /// Bytes of the code section (what Cranelift compiles).
    pub code_bytes: u64,
}

impl ModuleFacts {
    /// Reads the facts of `wasm`; `Err` says why it is not a module we run.
    pub fn inspect(wasm: &[u8]) -> Result<ModuleFacts, String> {
        use wasmparser::{Parser, Payload, TypeRef};
        let mut facts = ModuleFacts {
            module_bytes: wasm.len(),
            initial_memory_bytes: 0,
            data_bytes: 0,
            code_bytes: 0,
        };
        let pages = |m: wasmparser::MemoryType| {
            let page = m.page_size_log2.map_or(1u64 << 16, |l| 1u64 << l);
            m.initial.saturating_mul(page)
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.map_err(|e| format!("not a valid wasm module: {e}"))? {
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        let import = import.map_err(|e| format!("bad import: {e}"))?;
                        if let TypeRef::Memory(m) = import.ty {
                            facts.initial_memory_bytes += pages(m);
                        }
                    }
                }
                Payload::MemorySection(memories) => {
                    for m in memories {
                        facts.initial_memory_bytes +=
                            pages(m.map_err(|e| format!("bad memory: {e}"))?);
                    }
                }
                Payload::DataSection(data) => {
                    for d in data {
                        facts.data_bytes +=
                            d.map_err(|e| format!("bad data segment: {e}"))?.data.len() as u64;
                    }
                }
                Payload::CodeSectionStart { size, .. } => facts.code_bytes += u64::from(size),
                _ => {}
            }
        }
        Ok(facts)
    }
}
