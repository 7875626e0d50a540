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

criterion_group!(benches, models);
criterion_main!(benches);
