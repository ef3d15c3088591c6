// An enum is refused at `enum`; its stubs declare no entries.
#[zeroipc::segment]
enum Plant {
    Idle,
}
