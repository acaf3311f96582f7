//! Raw command-line text turned into validated values, for the verbs that share them.

use std::collections::BTreeMap;

use tipvault_app::{AppError, ErrorCode};

/// `--dest PRODUCT.FIELD=VALUE` flags, as the destination of each product.
pub(crate) fn parse_dest(
    items: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, AppError> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for item in items {
        let parsed = item.split_once('=').and_then(|(k, v)| {
            // The last dot: a product may be qualified by a provider id that has dots
            // (`sandbox.tipvault.local/krw-mobile-top-up.phone_number`).
            let (product, field) = k.rsplit_once('.')?;
            Some((product.trim(), field.trim(), v))
        });
        let Some((product, field, value)) = parsed else {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                format!("--dest {item:?} must look like PRODUCT.FIELD=VALUE."),
            ));
        };
        out.entry(product.to_owned())
            .or_default()
            .insert(field.to_owned(), value.to_owned());
    }
    Ok(out)
}
