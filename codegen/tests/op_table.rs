//! The README's op table is the registry's: regenerate it with
//! `KILN_BLESS=1 cargo test -p kiln-codegen --test op_table`.

use std::path::PathBuf;

const BEGIN: &str = "<!-- op-table:begin -->\n";
const END: &str = "<!-- op-table:end -->";

#[test]
fn readme_op_table_matches_the_registry() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme.find(BEGIN).expect("README.md has no op-table:begin marker") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("README.md has no op-table:end marker");
    let table = kiln_codegen::op_table::op_table_markdown();
    if std::env::var_os("KILN_BLESS").is_some() {
        let updated = format!("{}{}{}", &readme[..start], table, &readme[end..]);
        std::fs::write(&path, updated).expect("write README.md");
        return;
    }
    assert!(
        readme[start..end] == table,
        "README.md's op table differs from the registry; run KILN_BLESS=1 cargo test -p kiln-codegen --test op_table\n\
         --- README ---\n{}\n--- registry ---\n{table}",
        &readme[start..end]
    );
}

/// Every registry entry names a real TFLite builtin op, once per type.
#[test]
fn registry_names_real_builtin_ops() {
    let ops = kiln_codegen::op_table::supported_ops();
    assert!(ops.len() >= 16, "registry lost ops: {ops:?}");
    for op in ops.keys() {
        assert!(
            kiln_codegen::schema::BuiltinOperator::ENUM_VALUES.iter().any(|v| v.variant_name() == Some(op)),
            "{op} is not a TFLite builtin op name"
        );
    }
}
