//! The values that cross the storage trait: parameters going into a
//! statement and the columns of the rows coming out, the same for SQLite and
//! PostgreSQL, so the code above the trait never sees a driver's types.

use super::DbError;

/// One parameter or column. Integers are 64-bit on both backends (the
/// PostgreSQL schema uses BIGINT throughout, and booleans are stored as 0/1
/// integers as SQLite does), so a value read back is the value written.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int(v.into())
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(v.into())
    }
}

/// Seqs and counts: above i64::MAX they are stored as i64::MAX, which no
/// real log reaches.
impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(v.into())
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Statement parameters from anything that converts into a `Value`:
/// `args![name, now, None::<&str>]`.
#[macro_export]
macro_rules! args {
    () => { [] as [$crate::storage::Value; 0] };
    ($($x:expr),+ $(,)?) => { [$($crate::storage::Value::from($x)),+] };
}

/// One row a query returned, its columns in the order selected.
#[derive(Clone, Debug, PartialEq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// Column `i` as a `T`; a NULL or a value of another kind is an error
    /// naming the column, never a silent default.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, DbError> {
        let v = self
            .0
            .get(i)
            .ok_or_else(|| DbError::Shape(format!("no column {i}")))?;
        T::from_value(v).map_err(|want| DbError::Shape(format!("column {i}: {v:?} is not {want}")))
    }
}

/// Reads one column; `Err` names the kind wanted.
pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self, &'static str>;
}

impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<i64, &'static str> {
        match v {
            Value::Int(i) => Ok(*i),
            _ => Err("an integer"),
        }
    }
}

impl FromValue for u64 {
    fn from_value(v: &Value) -> Result<u64, &'static str> {
        match v {
            Value::Int(i) => u64::try_from(*i).map_err(|_| "a non-negative integer"),
            _ => Err("an integer"),
        }
    }
}

impl FromValue for u32 {
    fn from_value(v: &Value) -> Result<u32, &'static str> {
        match v {
            Value::Int(i) => u32::try_from(*i).map_err(|_| "a 32-bit count"),
            _ => Err("an integer"),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: &Value) -> Result<bool, &'static str> {
        match v {
            Value::Int(i) => Ok(*i != 0),
            _ => Err("a 0/1 flag"),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<f64, &'static str> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            _ => Err("a number"),
        }
    }
}

impl FromValue for String {
    fn from_value(v: &Value) -> Result<String, &'static str> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => Err("text"),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Vec<u8>, &'static str> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            _ => Err("bytes"),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Option<T>, &'static str> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_reads_as_what_it_holds_and_refuses_anything_else() {
        let row = Row(vec![
            Value::Int(7),
            Value::Null,
            Value::Text("ana".into()),
            Value::Int(-1),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 7);
        assert_eq!(row.get::<Option<i64>>(1).unwrap(), None);
        assert_eq!(row.get::<String>(2).unwrap(), "ana");
        assert!(row.get::<i64>(1).is_err(), "NULL is not a number");
        assert!(row.get::<u64>(3).is_err(), "a negative is not a seq");
        assert!(row.get::<String>(0).is_err());
        assert!(row.get::<i64>(9).is_err());
    }

    #[test]
    fn parameters_convert_from_plain_rust_values() {
        let a = args![1_i64, "x", None::<&str>, true, 3_u64];
        assert_eq!(
            a.to_vec(),
            vec![
                Value::Int(1),
                Value::Text("x".into()),
                Value::Null,
                Value::Int(1),
                Value::Int(3)
            ]
        );
    }
}
