//! Generated model code contains no `unsafe`: every zoo model's token stream (macro bodies such
//! as `kiln::if_arm_dsp!` included) is searched for the keyword. `unsafe` lives only in the
//! runtime's `arch` module (README, "Where `unsafe` is").

use proc_macro2::{TokenStream, TokenTree};
use std::path::Path;

/// Occurrences of the identifier `unsafe` anywhere in `tokens`, groups included.
fn unsafe_count(tokens: TokenStream) -> usize {
    tokens
        .into_iter()
        .map(|t| match t {
            TokenTree::Ident(i) if i == "unsafe" => 1,
            TokenTree::Group(g) => unsafe_count(g.stream()),
            _ => 0,
        })
        .sum()
}

#[test]
fn the_search_finds_unsafe_where_it_is() {
    let t: TokenStream = "fn f() { m! { { unsafe { g() } } else {} } }".parse().unwrap();
    assert_eq!(unsafe_count(t), 1);
}

#[test]
fn generated_code_has_no_unsafe() {
    let zoo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zoo");
    let mut models: Vec<_> = std::fs::read_dir(&zoo)
        .unwrap_or_else(|e| panic!("{}: {e}", zoo.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tflite"))
        .collect();
    models.sort();
    assert!(models.len() >= 40, "only {} zoo models in {}", models.len(), zoo.display());
    let mut compiled = 0;
    for m in &models {
        let bytes = std::fs::read(m).unwrap();
        let file = m.to_string_lossy();
        // Models that must not compile (the zoo's error cases) have nothing to check.
        let Ok(tokens) = kiln_codegen::compile(&file, &bytes, &Default::default()) else {
            continue;
        };
        compiled += 1;
        assert_eq!(unsafe_count(tokens), 0, "{file}: generated code contains `unsafe`");
    }
    assert!(compiled * 10 >= models.len() * 9, "only {compiled} of {} zoo models compiled", models.len());
}
