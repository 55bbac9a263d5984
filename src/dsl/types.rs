//! Static types of DSL expressions.
//!
//! The checker gives every expression one of these types so that mistakes such as comparing a
//! country with a number are reported before any evaluation, and so that both evaluators can rely
//! on well-typed input.

use std::fmt;

/// The type of a checked expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    /// Every number is a 64-bit float; money is shown in major units (`49.99`).
    Number,
    String,
    /// A point in time (dates are midnight UTC), held as unix milliseconds.
    Time,
    /// A length of time, held as milliseconds.
    Duration,
    /// A list of strings, such as `tags` or a list literal of strings.
    StringList,
    /// A list of numbers, only as a literal on the right of `in`.
    NumberList,
    /// A value whose type is only known per row: custom attributes (`attr.NAME`) and event
    /// properties (`prop.NAME`). It may hold a number, a string, a boolean or a list of strings.
    Dynamic,
    /// The type of the literal `null`.
    Null,
}

impl Type {
    /// Whether a value of this type can stand where `want` is expected.
    pub fn fits(self, want: Type) -> bool {
        self == want || self == Type::Dynamic || want == Type::Dynamic || self == Type::Null
    }

    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "boolean",
            Type::Number => "number",
            Type::String => "string",
            Type::Time => "timestamp",
            Type::Duration => "duration",
            Type::StringList => "list of strings",
            Type::NumberList => "list of numbers",
            Type::Dynamic => "attribute value",
            Type::Null => "null",
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
