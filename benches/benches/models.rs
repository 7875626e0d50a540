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

/// tract-tflite 0.23.9 on the float models (its int8 outputs are wrong on every int8 model
/// tried, FACTS.md, so it is no int8 peer). Same fixed inputs as kiln; prints how far its
/// outputs are from kiln's (`--features peers`).
#[cfg(feature = "peers")]
fn tract_peers(c: &mut Criterion) {
    use tract_tflite::prelude::*;
    let mut group = c.benchmark_group("tract");
    for (name, shape) in [("digits_f32", &[1usize, 8, 8, 1][..]), ("hello_world_float", &[1, 1][..])] {
        let path = kiln_benches::repo_root().join(kiln_benches::MODELS.iter().find(|m| m.0 == name).unwrap().1);
        let plan = tract_tflite::tflite()
            .model_for_path(&path)
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable());
        let plan = match plan {
            Ok(p) => p,
            Err(e) => {
                eprintln!("tract cannot run {name}: {e:#}");
                continue;
            }
        };
        let n: usize = shape.iter().product();
        let x: Vec<f32> = kiln_benches::input_bytes(name, 4 * n)
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let x = Tensor::from_shape(shape, &x).unwrap();
        let mut state = plan.spawn().unwrap();
        let out = state.run(tvec![x.clone().into()]).unwrap();
        let got: Vec<f32> = out[0].to_plain_array_view::<f32>().unwrap().iter().copied().collect();
        let want: Vec<f32> = kiln_benches::run_model(name, 1).unwrap().1
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let diff = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        eprintln!("tract vs kiln on {name}: max |difference| {diff:e} over {} outputs", want.len());
        group.bench_function(name, |b| b.iter(|| state.run(tvec![std::hint::black_box(x.clone()).into()]).unwrap()));
    }
    group.finish();
}
#[cfg(not(feature = "peers"))]
fn tract_peers(_: &mut Criterion) {}

criterion_group!(benches, models, microflow_peers, tract_peers);
criterion_main!(benches);
