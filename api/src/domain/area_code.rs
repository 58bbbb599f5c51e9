//! CBS area codes (`GM`/`WK`/`BU`), parsed once at the edge.

use crate::error::{AppError, AppResult};
use entities::AreaKind;

/// A CBS area code: `GM` + 4 digits, `WK` + 6 or `BU` + 8 characters, the first 4 of them the
/// gemeente's digits and the rest digits or capital letters (Amsterdam: `WK0363AF`, `BU0363MP02`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AreaCode(String);

impl AreaCode {
    /// Parses a code, accepting lower case and surrounding space.
    pub fn parse(raw: &str) -> AppResult<Self> {
        let code = raw.trim().to_ascii_uppercase();
        let digits = match code.get(..2) {
            Some("GM") => 4,
            Some("WK") => 6,
            Some("BU") => 8,
            _ => 0,
        };
        let rest = code.get(2..).unwrap_or("");
        let ok = digits > 0
            && rest.len() == digits
            && rest.bytes().take(4).all(|b| b.is_ascii_digit())
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !ok {
            return Err(AppError::bad_input(format!(
                "'{raw}' is not a CBS area code (GM0268, WK026801 or BU02680101)"
            )));
        }
        Ok(Self(code))
    }

    /// Parses a gemeente code (`GM0268`) given in `field`; `BAD_USER_INPUT` on that field for
    /// anything else, a wijk or buurt code included.
    pub fn parse_gemeente(raw: &str, field: &str) -> AppResult<Self> {
        let code = Self::parse(raw).map_err(|e| e.in_field(field))?;
        if code.kind() != AreaKind::Gemeente {
            return Err(AppError::field(field, "must be a gemeente code (GM....)"));
        }
        Ok(code)
    }

    /// The level this code belongs to.
    pub fn kind(&self) -> AreaKind {
        match &self.0[..2] {
            "GM" => AreaKind::Gemeente,
            "WK" => AreaKind::Wijk,
            _ => AreaKind::Buurt,
        }
    }

    /// The code of the gemeente this area lies in (its digits are a prefix of every lower level).
    pub fn gemeente(&self) -> String {
        format!("GM{}", &self.0[2..6])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AreaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_level() {
        assert_eq!(
            AreaCode::parse("gm0268").unwrap().kind(),
            AreaKind::Gemeente
        );
        assert_eq!(AreaCode::parse("WK026801").unwrap().kind(), AreaKind::Wijk);
        let bu = AreaCode::parse(" BU02680101 ").unwrap();
        assert_eq!(bu.kind(), AreaKind::Buurt);
        assert_eq!(bu.gemeente(), "GM0268");
        let amsterdam = AreaCode::parse("bu0363mp02").unwrap();
        assert_eq!(amsterdam.as_str(), "BU0363MP02");
        assert_eq!(amsterdam.gemeente(), "GM0363");
        assert_eq!(AreaCode::parse("WK0363AF").unwrap().kind(), AreaKind::Wijk);
    }

    /// Every code of the embedded CBS table parses, and round-trips.
    #[test]
    fn parses_every_cbs_code() {
        for row in crate::geo::area_rows().unwrap() {
            let code = AreaCode::parse(&row.code).unwrap_or_else(|e| panic!("{}", e.message()));
            assert_eq!(code.as_str(), row.code);
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "GM",
            "GM268",
            "GM02681",
            "WK0268",
            "BU0268010",
            "XX0268",
            "GM02a8",
            "GMAB12",
            "WK02AB01",
            "BU0363-P02",
            "ĞM0268",
        ] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
    }
}
