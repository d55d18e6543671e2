//! The `open_enum!` macro for protocol registries.

/// Declares an *open* enumeration for a protocol registry: a newtype over an
/// integer with one named constant per registered value. Unknown values are
/// representable and round-trip unchanged; `Debug` prints the constant's name
/// (or the hex value when unknown); [`name`](#method.name) gives the registry name.
///
/// ```
/// tnc_wire::open_enum! {
///     /// Colours of the example registry.
///     pub struct Colour(u8) {
///         /// Red.
///         RED = 1 => "Red",
///         /// Green.
///         GREEN = 2 => "Green",
///     }
/// }
/// assert_eq!(Colour::from(2), Colour::GREEN);
/// assert_eq!(format!("{:?}", Colour::RED), "RED");
/// assert_eq!(format!("{:?}", Colour::from(7)), "Colour(0x7)");
/// assert_eq!(Colour::GREEN.name(), Some("Green"));
/// assert!(!Colour::from(7).is_known());
/// assert_eq!(u8::from(Colour::from(7)), 7);
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($int:ty) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:expr => $text:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis struct $name(pub $int);

        impl $name {
            $(
                $(#[$vmeta])*
                pub const $variant: $name = $name($value);
            )*

            /// Every registered value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The registry's name for this value, if it is registered.
            pub const fn name(self) -> Option<&'static str> {
                $(
                    if self.0 == $value { return Some($text); }
                )*
                None
            }

            /// The Rust constant's identifier for this value, if registered.
            pub const fn ident(self) -> Option<&'static str> {
                $(
                    if self.0 == $value { return Some(stringify!($variant)); }
                )*
                None
            }

            /// True when the value is registered.
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }

            /// The raw value.
            pub const fn get(self) -> $int {
                self.0
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.ident() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}(0x{:x})", stringify!($name), self.0),
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "0x{:x}", self.0),
                }
            }
        }

        impl ::core::convert::From<$int> for $name {
            fn from(v: $int) -> Self {
                $name(v)
            }
        }

        impl ::core::convert::From<$name> for $int {
            fn from(v: $name) -> $int {
                v.0
            }
        }
    };
}
