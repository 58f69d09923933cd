//! OSC 8 hyperlinks: a URI (with its `id=` style parameters) attached to
//! the characters printed while it is active. Cells refer to their row's
//! table of links (see `Row`), so a cell stays small and `Copy`.

/// Longest URI kept, in bytes; longer links are ignored.
pub(crate) const MAX_URI_LEN: usize = 4096;

/// One hyperlink: its parameters (e.g. `id=x`) and URI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hyperlink {
    params: Box<str>,
    uri: Box<str>,
}

impl Hyperlink {
    /// The link of an OSC 8 payload after the `8;` (`params;uri`): None
    /// for the closing form (empty URI), or when the text is not printable
    /// ASCII (URIs are percent-encoded; mosh's emulator rejects the rest
    /// too) or too long.
    pub(crate) fn from_osc(payload: &str) -> Option<Hyperlink> {
        let (params, uri) = payload.split_once(';')?;
        let printable = |s: &str| s.bytes().all(|b| (0x20..0x7F).contains(&b));
        if uri.is_empty() || uri.len() > MAX_URI_LEN || !printable(uri) || !printable(params) {
            return None;
        }
        Some(Hyperlink {
            params: params.into(),
            uri: uri.into(),
        })
    }

    /// The parameters (`key=value` pairs separated by `:`).
    pub fn params(&self) -> &str {
        &self.params
    }

    /// The URI.
    pub(crate) fn uri(&self) -> &str {
        &self.uri
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_read_from_osc_8() {
        let link = Hyperlink::from_osc("id=1;https://example.com/a").unwrap();
        assert_eq!(link.params(), "id=1");
        assert_eq!(link.uri(), "https://example.com/a");
        assert!(Hyperlink::from_osc(";").is_none(), "closing form");
        assert!(Hyperlink::from_osc(";http://x/\u{e9}").is_none());
        assert!(Hyperlink::from_osc("no separator").is_none());
        let long = format!(";http://x/{}", "a".repeat(MAX_URI_LEN));
        assert!(Hyperlink::from_osc(&long).is_none());
    }
}
