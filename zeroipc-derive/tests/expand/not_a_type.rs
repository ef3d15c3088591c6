// Something other than a type definition: the error and the item, nothing to attach stubs to.
#[zeroipc::segment]
fn plant() {}
