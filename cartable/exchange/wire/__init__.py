"""The exchange's wire format, pure (no Django): identities (keys, fingerprints) and bundle
files (signed manifest, encrypted members). Specified in docs/exchange.md."""
