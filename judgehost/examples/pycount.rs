#![allow(unsafe_code)]
//! Scratch: per-category wasm operator counts of Python programs.
use std::time::Instant;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

struct S {
    ctx: WasiCtx,
    table: ResourceTable,
}
impl WasiView for S {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

pub fn category(op: &str) -> &'static str {
    let o = op;
    if o.starts_with("Local") || o.starts_with("Global") {
        "local"
    } else if o.ends_with("Const") {
        "const"
    } else if o.contains("Load") {
        "load"
    } else if o.contains("Store") {
        "store"
    } else if o.starts_with("Call") || o.starts_with("ReturnCall") {
        "call"
    } else if o.starts_with("Br") || o == "If" || o == "Loop" || o == "Select" || o == "TypedSelect"
    {
        "branch"
    } else if o.starts_with("I32Mul")
        || o.starts_with("I64Mul")
        || o.contains("Div")
        || o.contains("Rem")
    {
        "muldiv"
    } else if o.starts_with("F32") || o.starts_with("F64") {
        "float"
    } else if o.starts_with("I32") || o.starts_with("I64") {
        "alu"
    } else if o.starts_with("Memory") {
        "memory"
    } else {
        "other"
    }
}
const CATS: &[&str] = &[
    "local", "const", "load", "store", "call", "branch", "muldiv", "float", "alu", "memory",
    "other",
];

fn main() {
    std::thread::Builder::new()
        .stack_size(300 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}
fn run() {
    let args: Vec<String> = std::env::args().collect();
    let base = wasmtime::OperatorCost::new();
    let mut json = serde_json::to_value(&base).unwrap();
    let names: Vec<String> = json
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "variable")
        .cloned()
        .collect();
    let progs: Vec<(String, String)> = args[2..]
        .iter()
        .map(|p| (p.clone(), std::fs::read_to_string(p).unwrap()))
        .collect();
    println!(
        "cat,{}",
        progs
            .iter()
            .map(|p| p.0.clone())
            .collect::<Vec<_>>()
            .join(",")
    );
    for cat in CATS {
        for n in &names {
            let v = if category(n) == *cat {
                base_cost(&json, n)
            } else {
                0
            };
            json[n] = v.into();
        }
        if *cat != "memory" {
            for (_, v) in json["variable"].as_object_mut().unwrap() {
                *v = 0.into();
            }
        } else {
            json["variable"] =
                serde_json::to_value(wasmtime::OperatorCost::new().variable).unwrap();
        }
        let cost: wasmtime::OperatorCost = serde_json::from_value(json.clone()).unwrap();
        let mut config = Config::new();
        config
            .consume_fuel(true)
            .operator_cost(cost)
            .epoch_interruption(true)
            .max_wasm_stack(256 << 20)
            .async_stack_size(257 << 20)
            .cranelift_opt_level(wasmtime::OptLevel::Speed);
        let engine = Engine::new(&config).unwrap();
        let t = Instant::now();
        let cache = format!("/tmp/cpy/judge-{cat}.cwasm");
        let component = if std::path::Path::new(&cache).exists() {
            unsafe { Component::deserialize_file(&engine, &cache).unwrap() }
        } else {
            let c = Component::from_file(&engine, &args[1]).unwrap();
            std::fs::write(&cache, c.serialize().unwrap()).unwrap();
            c
        };
        eprintln!("{cat}: compile/load {:?}", t.elapsed());
        let mut linker: Linker<S> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
        let pre = CommandPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
        let mut row = vec![cat.to_string()];
        for (_, src) in &progs {
            let mut b = WasiCtxBuilder::new();
            b.inherit_stderr()
                .args(&["python3".to_string(), src.clone()]);
            let mut store = Store::new(
                &engine,
                S {
                    ctx: b.build(),
                    table: ResourceTable::new(),
                },
            );
            store.set_fuel(1 << 50).unwrap();
            store.set_epoch_deadline(1 << 40);
            let cmd = pre.instantiate(&mut store).unwrap();
            let r = cmd.wasi_cli_run().call_run(&mut store);
            assert!(matches!(r, Ok(Ok(()))));
            row.push(((1u64 << 50) - store.get_fuel().unwrap()).to_string());
        }
        println!("{}", row.join(","));
    }
}

fn base_cost(json: &serde_json::Value, n: &str) -> u64 {
    // Default cost, with Loop = 1 as the sandbox has it.
    if n == "Loop" {
        1
    } else {
        json.get("__default")
            .and_then(|_| None)
            .unwrap_or_else(|| default_of(n))
    }
}
fn default_of(n: &str) -> u64 {
    let d = serde_json::to_value(wasmtime::OperatorCost::new()).unwrap();
    d[n].as_u64().unwrap()
}
