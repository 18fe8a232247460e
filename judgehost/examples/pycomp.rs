#![allow(unsafe_code)]
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
    let mut cost = wasmtime::OperatorCost::new();
    cost.Loop = 1;
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
    let cache = "/tmp/cpy/judge.cwasm";
    let component = if std::path::Path::new(cache).exists() {
        unsafe { Component::deserialize_file(&engine, cache).unwrap() }
    } else {
        let c = Component::from_file(&engine, &args[1]).unwrap();
        std::fs::write(cache, c.serialize().unwrap()).unwrap();
        c
    };
    eprintln!("compile/load {:?}", t.elapsed());
    let mut linker: Linker<S> = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let pre = CommandPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    for prog in &args[2..] {
        let src = std::fs::read_to_string(prog).unwrap();
        for _ in 0..3 {
            let mut b = WasiCtxBuilder::new();
            b.inherit_stdout()
                .inherit_stderr()
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
            let t = Instant::now();
            let cmd = pre.instantiate(&mut store).unwrap();
            let r = cmd.wasi_cli_run().call_run(&mut store);
            let fuel = (1u64 << 50) - store.get_fuel().unwrap();
            eprintln!(
                "{prog}: {:?} wall {:?} fuel {fuel} charged_ms {:.1}",
                r.is_ok(),
                t.elapsed(),
                fuel as f64 / 8.0e6
            );
        }
    }
}
