//! The two engines: connection plumbing, pragmas, migrations and error mapping. The
//! domains' queries live in their own folders and run on these connections.

pub(crate) mod postgres;
pub(crate) mod sqlite;
