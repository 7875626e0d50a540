//! Criterion: kiln's generated code per model (`cargo bench` in `benches/`; HTML report in
//! `benches/target/criterion/report/index.html`).

use criterion::{criterion_group, criterion_main, Criterion};

fn models(c: &mut Criterion) {
    let mut group = c.benchmark_group("kiln");
    for &(name, _) in kiln_benches::MODELS {
        group.bench_function(name, |b| b.iter_custom(|iters| {
            let per = kiln_benches::time_model(name, iters as u32).expect("known model");
            std::time::Duration::from_secs_f64(per * iters as f64)
        }));
    }
    group.finish();
}

/// MicroFlow, in the same process, on the same fixed inputs (`--features peers`).
#[cfg(feature = "peers")]
fn microflow_peers(c: &mut Criterion) {
    use kiln_benches::microflow_models::{HelloWorld, MicroSpeech};
    use microflow::buffer::Buffer2D;
    let mut group = c.benchmark_group("microflow");
    let x = kiln_benches::input_bytes("hello_world_int8", 1);
    group.bench_function("hello_world_int8", |b| {
        b.iter(|| HelloWorld::predict_quantized(Buffer2D::from_fn(|_, j| std::hint::black_box(x[j]) as i8)))
    });
    let x = kiln_benches::input_bytes("micro_speech_quantized", 1960);
    group.bench_function("micro_speech_quantized", |b| {
        b.iter(|| MicroSpeech::predict_quantized(Buffer2D::from_fn(|_, j| std::hint::black_box(x[j]) as i8)))
    });
    group.finish();
}
#[cfg(not(feature = "peers"))]
fn microflow_peers(_: &mut Criterion) {}

criterion_group!(benches, models, microflow_peers);
criterion_main!(benches);
