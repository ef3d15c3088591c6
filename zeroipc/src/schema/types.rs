//! Element types: how a Rust type describes itself ([`Describe`], [`TypeDesc`], built at
//! compile time) and what a reader finds in a schema ([`Type`], owned).

use std::any::TypeId;
use std::fmt;
use std::marker::PhantomData;

use bytemuck::Pod;

/// An element type as a Rust type describes it: `const`, for the schema a declaration writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeDesc {
    /// A primitive, as numpy's type string (`<f4`, `|u1`, ...).
    Scalar {
        /// The type string.
        typestr: &'static str,
    },
    /// `len` values of `of`, one after another (a Rust array `[T; len]`).
    Array {
        /// The type of each value.
        of: &'static TypeDesc,
        /// How many.
        len: usize,
    },
    /// A `#[repr(C)]` struct: its fields at their offsets, in `size` bytes.
    Record {
        /// The struct's name (for people; comparisons ignore it).
        name: &'static str,
        /// `size_of` the struct.
        size: usize,
        /// Its fields, in declaration order.
        fields: &'static [FieldDesc],
    },
    /// `size` bytes of a type that does not describe itself (`|V<size>`).
    Opaque {
        /// `size_of` the type.
        size: usize,
    },
}

/// One field of a [`TypeDesc::Record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldDesc {
    /// The field's name.
    pub name: &'static str,
    /// Its offset in the struct.
    pub offset: usize,
    /// Its type.
    pub ty: &'static TypeDesc,
}

/// An element type that describes itself, for the schema: the primitives, arrays of
/// described types, and `#[repr(C)]` structs with `#[derive(zeroipc::Record)]`.
#[diagnostic::on_unimplemented(
    message = "zeroipc: `{Self}` does not describe itself, so it cannot be a field of a record",
    label = "not `zeroipc::schema::Describe`",
    note = "a record's fields are integers, floats, arrays of them, or other `#[derive(zeroipc::Record)]` structs"
)]
pub trait Describe: Pod {
    /// The description.
    const TYPE: TypeDesc;
}

macro_rules! describe_scalars {
    ($($ty:ty => $typestr:literal),* $(,)?) => {
        $(impl Describe for $ty {
            const TYPE: TypeDesc = TypeDesc::Scalar { typestr: $typestr };
        })*

        /// The description of a primitive `T`, found by its `TypeId` (for the generic code
        /// of the dynamic API, which cannot ask `T: Describe`).
        fn scalar_of<T: 'static>() -> Option<TypeDesc> {
            let id = TypeId::of::<T>();
            $(if id == TypeId::of::<$ty>() {
                return Some(<$ty as Describe>::TYPE);
            })*
            None
        }

        /// The byte size of a scalar type string; `None` for one this crate does not know.
        fn scalar_size(typestr: &str) -> Option<u64> {
            match typestr {
                $($typestr => Some(size_of::<$ty>() as u64),)*
                _ => None,
            }
        }

        /// The Rust name of a scalar type string, for messages.
        fn scalar_rust_name(typestr: &str) -> Option<&'static str> {
            match typestr {
                $($typestr => Some(stringify!($ty)),)*
                _ => None,
            }
        }
    };
}

describe_scalars! {
    u8 => "|u1",
    i8 => "|i1",
    u16 => "<u2",
    i16 => "<i2",
    u32 => "<u4",
    i32 => "<i4",
    u64 => "<u8",
    i64 => "<i8",
    f32 => "<f4",
    f64 => "<f8",
}

impl Describe for usize {
    const TYPE: TypeDesc = <u64 as Describe>::TYPE;
}

impl Describe for isize {
    const TYPE: TypeDesc = <i64 as Describe>::TYPE;
}

// `usize` and `isize` are described as 64-bit: the format's targets are 64-bit.
const _: () = assert!(size_of::<usize>() == 8);

impl<T: Describe, const N: usize> Describe for [T; N]
where
    [T; N]: Pod,
{
    const TYPE: TypeDesc = TypeDesc::Array {
        of: &T::TYPE,
        len: N,
    };
}

impl TypeDesc {
    /// The description the dynamic API records for `T`: a primitive's, else opaque bytes of
    /// `T`'s size.
    pub fn of<T: Pod>() -> TypeDesc {
        scalar_of::<T>().unwrap_or(TypeDesc::Opaque {
            size: size_of::<T>(),
        })
    }
}

/// Picks `T`'s own description where `T: Describe`, through this inherent constant; where
/// not, [`ProbeFallback`]'s opaque one. Generated code writes `Probe::<T>::TYPE` with the
/// trait in scope.
pub struct Probe<T>(PhantomData<T>);

impl<T: Describe> Probe<T> {
    /// `T`'s own description.
    pub const TYPE: TypeDesc = T::TYPE;
}

/// The description of a type that does not describe itself: opaque bytes of its size.
pub trait ProbeFallback {
    /// Opaque bytes.
    const TYPE: TypeDesc;
}

impl<T> ProbeFallback for Probe<T> {
    const TYPE: TypeDesc = TypeDesc::Opaque {
        size: size_of::<T>(),
    };
}

/// The element type of a declared field of type `S` (declared with `N`), where `S::Element`
/// describes itself: this inherent constant; where not (or `S` is not a structure),
/// [`DeclaredProbeFallback`]'s `None`, and [`element_type`] makes opaque bytes of the
/// element's size. Generated code writes `<DeclaredProbe<S, N>>::TYPE` with the trait in
/// scope.
pub struct DeclaredProbe<S, const N: usize>(PhantomData<S>);

impl<S: crate::declare::Declare<N>, const N: usize> DeclaredProbe<S, N>
where
    S::Element: Describe,
{
    /// The element type's own description.
    pub const TYPE: Option<&'static TypeDesc> = Some(&<S::Element as Describe>::TYPE);
}

/// See [`DeclaredProbe`].
pub trait DeclaredProbeFallback {
    /// `None`: the element does not describe itself.
    const TYPE: Option<&'static TypeDesc>;
}

impl<S, const N: usize> DeclaredProbeFallback for DeclaredProbe<S, N> {
    const TYPE: Option<&'static TypeDesc> = None;
}

/// What a declared map's value type is, for [`DeclaredValueProbe`].
pub trait DeclaredValue {
    /// The value type.
    type Value;
}

/// The value type of a declared field of type `S`, where `S` is a map whose value type
/// describes itself: this inherent constant; where not, [`DeclaredValueProbeFallback`]'s
/// `None`, and [`element_type`] makes opaque bytes of `Declare::VALUE_SIZE` (or none for a
/// structure without values). Generated code writes `<DeclaredValueProbe<S>>::TYPE` with the
/// trait in scope.
pub struct DeclaredValueProbe<S>(PhantomData<S>);

impl<S: DeclaredValue> DeclaredValueProbe<S>
where
    S::Value: Describe,
{
    /// The value type's own description.
    pub const TYPE: Option<&'static TypeDesc> = Some(&<S::Value as Describe>::TYPE);
}

/// See [`DeclaredValueProbe`].
pub trait DeclaredValueProbeFallback {
    /// `None`: the field has no value type, or it does not describe itself.
    const TYPE: Option<&'static TypeDesc>;
}

impl<S> DeclaredValueProbeFallback for DeclaredValueProbe<S> {
    const TYPE: Option<&'static TypeDesc> = None;
}

/// A declared field's element type: its own description, or else opaque bytes of
/// `element_size`, or none for a structure without elements (`element_size` 0).
pub const fn element_type(described: Option<&TypeDesc>, element_size: usize) -> Option<TypeDesc> {
    match described {
        Some(t) => Some(*t),
        None if element_size > 0 => Some(TypeDesc::Opaque { size: element_size }),
        None => None,
    }
}

/// An element type as a schema records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// A primitive: numpy's type string (`<f4`, `|u1`, ...).
    Scalar(String),
    /// Bytes of a type that does not describe itself (`|V<n>`).
    Opaque(u64),
    /// `shape` values of a type, one after another (numpy's subarray).
    Array {
        /// The type of each value.
        of: Box<Type>,
        /// The dimensions, outermost first; their product values.
        shape: Vec<u64>,
    },
    /// A record: named fields at offsets in `itemsize` bytes.
    Record {
        /// Its name (may be empty).
        name: String,
        /// Its size.
        itemsize: u64,
        /// Its fields, in the order written.
        fields: Vec<Field>,
    },
}

/// A field of a [`Type::Record`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Its offset in the record.
    pub offset: u64,
    /// Its type.
    pub ty: Type,
}

impl Field {
    /// A field called `name` at `offset`, of type `ty`.
    pub fn new(name: &str, offset: u64, ty: Type) -> Field {
        Field {
            name: name.to_owned(),
            offset,
            ty,
        }
    }
}

impl Type {
    /// The owned form of a description.
    pub fn from_desc(desc: &TypeDesc) -> Type {
        match *desc {
            TypeDesc::Scalar { typestr } => Type::Scalar(typestr.to_owned()),
            TypeDesc::Opaque { size } => Type::Opaque(size as u64),
            TypeDesc::Array { of, len } => Type::Array {
                of: Box::new(Type::from_desc(of)),
                shape: vec![len as u64],
            },
            TypeDesc::Record { name, size, fields } => Type::Record {
                name: name.to_owned(),
                itemsize: size as u64,
                fields: fields
                    .iter()
                    .map(|f| Field {
                        name: f.name.to_owned(),
                        offset: f.offset as u64,
                        ty: Type::from_desc(f.ty),
                    })
                    .collect(),
            },
        }
    }

    /// The size of one value, in bytes; `None` on overflow (a schema's parser refuses those).
    pub fn size(&self) -> Option<u64> {
        match self {
            Type::Scalar(s) => scalar_size(s),
            Type::Opaque(n) => Some(*n),
            Type::Array { of, shape } => shape
                .iter()
                .try_fold(of.size()?, |size, &dim| size.checked_mul(dim)),
            Type::Record { itemsize, .. } => Some(*itemsize),
        }
    }

    /// Whether two types agree as far as both are known: opaque bytes agree with any type of
    /// their size; otherwise kinds, scalars, shapes and record layouts (field names, offsets
    /// and types, and the size; not the record's name) must be equal.
    pub fn agrees(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Opaque(n), t) | (t, Type::Opaque(n)) => t.size() == Some(*n),
            (Type::Scalar(a), Type::Scalar(b)) => a == b,
            (Type::Array { of: a, shape: sa }, Type::Array { of: b, shape: sb }) => {
                sa == sb && a.agrees(b)
            }
            (
                Type::Record {
                    itemsize: ia,
                    fields: fa,
                    ..
                },
                Type::Record {
                    itemsize: ib,
                    fields: fb,
                    ..
                },
            ) => {
                ia == ib
                    && fa.len() == fb.len()
                    && fa.iter().zip(fb).all(|(a, b)| {
                        a.name == b.name && a.offset == b.offset && a.ty.agrees(&b.ty)
                    })
            }
            _ => false,
        }
    }
}

impl fmt::Display for Type {
    /// Rust's spelling where there is one (`f32`, `[u8; 4]`), numpy's type string beside
    /// scalars (`f32 (<f4)`), and records as `Name { field: type @ offset, ... }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Scalar(s) => match scalar_rust_name(s) {
                Some(rust) => write!(f, "{rust} ({s})"),
                None => write!(f, "{s}"),
            },
            Type::Opaque(n) => write!(f, "{n} opaque bytes (|V{n})"),
            Type::Array { of, shape } => {
                for _ in shape {
                    write!(f, "[")?;
                }
                match &**of {
                    Type::Scalar(s) => write!(f, "{}", scalar_rust_name(s).unwrap_or(s))?,
                    other => write!(f, "{other}")?,
                }
                for dim in shape.iter().rev() {
                    write!(f, "; {dim}]")?;
                }
                Ok(())
            }
            Type::Record { name, fields, .. } => {
                let name = if name.is_empty() { "record" } else { name };
                write!(f, "{name} {{ ")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}: {} @ {}", field.name, field.ty, field.offset)?;
                }
                write!(f, " }}")
            }
        }
    }
}
