//! Compile-time errors of `#[zeroipc::segment]`, one mistake per file in `tests/ui/`, each
//! with the compiler's output it must produce (`.stderr`), and the accepted forms in
//! `tests/ui/pass/`. Regenerate the snapshots after a toolchain change with
//! `TRYBUILD=overwrite cargo test -p zeroipc --test ui`, then read every diff.

#[test]
#[cfg_attr(miri, ignore)]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
