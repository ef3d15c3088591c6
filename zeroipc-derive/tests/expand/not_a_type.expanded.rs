::core::compile_error!{
    "zeroipc: `#[zeroipc::segment]` goes on a struct with named fields, one per table entry"
}
fn plant() {
}
