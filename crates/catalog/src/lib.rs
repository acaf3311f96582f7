//! Provider catalogs for Tipvault: the document in which a provider lists its products (what
//! each costs, its limits, the destination fields it needs and how long it takes), parsed and
//! validated, with its freshness. The protocol (`tipvault-wire`) carries it signed; the planner
//! (`tipvault-preview`) plans over it. Neither needs the other for it, so it lives here.
//!
//! Pure: no I/O (the demo catalog is compiled in with `include_str!`), no clock (`now` is
//! passed in), no randomness, no floating point.

#![deny(clippy::float_arithmetic)]
#![warn(missing_docs)]

pub mod amount_rule;
pub mod catalog;
pub mod error;
pub mod fee;
pub mod freshness;
pub mod product;

pub use amount_rule::AmountRule;
pub use catalog::{CATALOG_FORMAT, Catalog, DEMO_CATALOG_JSON, RawCatalog};
pub use error::CatalogError;
pub use fee::FeeRule;
pub use freshness::Freshness;
pub use product::{DestinationField, Eta, FieldKind, Limits, Product, ProductId, ProductKind};
