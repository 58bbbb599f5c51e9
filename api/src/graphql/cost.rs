//! Query cost: how the complexity limit (`limits.max_complexity`) counts list fields.
//!
//! A plain field costs 1 plus its selection. A list field costs its selection once per item it
//! can return: a paged list its `first` (or [`UNSPECIFIED_PAGE`] when left out), `areas` its
//! `limit`, `Area.children` the fan-out [`AREA_CHILDREN`]. So
//! `areas(limit: 1000) { children { children { offers(first: 100) { totalCount } } } }` costs
//! about 1000 × 40 × 40 × 100 × 2 and is refused before it runs. What the estimate misses, the
//! per-request budget (`graphql::budget`) stops while it runs.

/// Children charged for `Area.children`: a wijk has at most 39 buurten and nine in ten gemeenten
/// at most 25 wijken (CBS 2024; the mean is 10, Amsterdam has 110).
pub const AREA_CHILDREN: usize = 40;

/// Items charged for a paged list whose `first` is left out: the default page size of the
/// default configuration (`limits.default_page_size`).
pub const UNSPECIFIED_PAGE: usize = 20;

/// Most items charged for a paged list: the default maximum page size
/// (`limits.max_page_size`). A larger `first` is refused when the list runs, with
/// `BAD_USER_INPUT` on `first`, which says more than a complexity error.
pub const MAX_PAGE: usize = 100;

/// Highest cost one field can reach, so sums over many fields cannot overflow.
const CEILING: usize = 1 << 40;

/// Cost of a list of `items` items whose selection costs `child` each.
pub fn times(items: usize, child: usize) -> usize {
    items
        .saturating_mul(child.max(1))
        .saturating_add(1)
        .min(CEILING)
}

/// Cost of a paged list asking for `first` items (a negative `first` is refused when it runs).
pub fn page(first: Option<i32>, child: usize) -> usize {
    let items = first.map_or(UNSPECIFIED_PAGE, |n| {
        usize::try_from(n).unwrap_or(0).min(MAX_PAGE)
    });
    times(items, child)
}

/// Most areas one `areas` list returns; a larger `limit` is refused when it runs.
pub const MAX_AREAS: usize = 1000;

/// Cost of `areas(limit)`: `limit` areas (at most [`MAX_AREAS`]) whose selection costs `child`.
pub fn areas(limit: i32, child: usize) -> usize {
    times(usize::try_from(limit).unwrap_or(0).min(MAX_AREAS), child)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_multiply_and_never_overflow() {
        assert_eq!(page(Some(10), 3), 31);
        assert_eq!(page(None, 1), UNSPECIFIED_PAGE + 1);
        assert_eq!(page(Some(-5), 7), 1);
        assert_eq!(page(Some(1000), 1), MAX_PAGE + 1);
        assert_eq!(areas(5000, 1), MAX_AREAS + 1);
        assert_eq!(times(usize::MAX, usize::MAX), CEILING);
        assert_eq!(times(AREA_CHILDREN, times(AREA_CHILDREN, 2)), 40 * 81 + 1);
    }
}
