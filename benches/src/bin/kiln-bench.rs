//! `kiln-bench MODEL ITERS`: prints kiln's seconds per inference for MODEL (after one warm-up
//! run). `benches/compare.py` calls it between the interpreted runtimes' timings so every
//! ratio comes from one interleaved run.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(model), Some(iters)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u32>().ok())) else {
        eprintln!("usage: kiln-bench MODEL ITERS   (models: {:?})", kiln_benches::MODELS.iter().map(|m| m.0).collect::<Vec<_>>());
        std::process::exit(2);
    };
    match kiln_benches::time_model(model, iters.max(1)) {
        Some(s) => println!("{s:.9}"),
        None => {
            eprintln!("unknown model {model}");
            std::process::exit(2);
        }
    }
}
