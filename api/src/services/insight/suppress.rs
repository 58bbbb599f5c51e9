//! The one suppression rule for figures shown to municipality analysts.
//!
//! - **Primary**: a count of 1 to 4 is shown as "< 5". A 0 stays 0: as in CBS's tables, a zero
//!   describes nobody, and hiding it would also hide where demand meets no offer at all.
//! - **Complementary**: a table is a set of cells plus *lines*, each a list of member cells
//!   whose sum is a published total cell. When a line has exactly one suppressed cell (a member
//!   or its total), that cell could be subtracted back, so the smallest other cell of the line
//!   is suppressed too (a non-zero member first, then a zero member, then the total). Lines are
//!   checked again until nothing changes, so rows and columns protect each other.
//! - **Derived figures**: a rate or a median over fewer than [`MIN_COUNT`] referrals is not
//!   shown, nor a rate whose numerator or denominator is suppressed (rate × total would give
//!   the count back).

/// The smallest count shown as it is.
pub const MIN_COUNT: u64 = 5;

/// A count as an analyst sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// The count itself.
    Count(u64),
    /// A count of 1-4, or one hidden to protect such a count: shown as "< 5".
    Suppressed,
}

impl Cell {
    /// The count, `None` when suppressed.
    pub fn count(self) -> Option<u64> {
        match self {
            Cell::Count(n) => Some(n),
            Cell::Suppressed => None,
        }
    }

    /// How the cell is written in tables and CSV: the number or `< 5`.
    pub fn text(self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Suppressed => format!("< {MIN_COUNT}"),
        }
    }
}

/// Cells that add up to a published total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Indexes of the member cells.
    pub members: Vec<usize>,
    /// Index of the total cell.
    pub total: usize,
}

/// Whether a count is suppressed on its own (1-4).
pub fn is_small(n: u64) -> bool {
    (1..MIN_COUNT).contains(&n)
}

/// Which of `counts` are suppressed, by the primary and complementary rules over `lines`.
pub fn suppress(counts: &[u64], lines: &[Line]) -> Vec<Cell> {
    let mut hidden: Vec<bool> = counts.iter().map(|n| is_small(*n)).collect();
    loop {
        let mut changed = false;
        for line in lines {
            let cells = line.members.iter().chain(std::iter::once(&line.total));
            if cells.filter(|i| hidden[**i]).count() != 1 {
                continue;
            }
            if let Some(next) = complement(counts, &hidden, line) {
                hidden[next] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    counts
        .iter()
        .zip(hidden)
        .map(|(n, h)| if h { Cell::Suppressed } else { Cell::Count(*n) })
        .collect()
}

/// The cell to hide beside a line's single hidden one: the smallest visible non-zero member,
/// else the smallest visible member, else the total (`None` when all are hidden already).
fn complement(counts: &[u64], hidden: &[bool], line: &Line) -> Option<usize> {
    let visible = || line.members.iter().copied().filter(|i| !hidden[*i]);
    let smallest = |it: &mut dyn Iterator<Item = usize>| it.min_by_key(|i| (counts[*i], *i));
    smallest(&mut visible().filter(|i| counts[*i] > 0))
        .or_else(|| smallest(&mut visible()))
        .or_else(|| (!hidden[line.total]).then_some(line.total))
}

/// `numerator / denominator` when both are shown and the denominator is at least
/// [`MIN_COUNT`]; `None` otherwise.
pub fn rate(numerator: Cell, denominator: Cell) -> Option<f64> {
    match (numerator, denominator) {
        (Cell::Count(n), Cell::Count(d)) if d >= MIN_COUNT => Some(n as f64 / d as f64),
        _ => None,
    }
}

/// The median of `values` when there are at least [`MIN_COUNT`] of them.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if (values.len() as u64) < MIN_COUNT {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// The lines of a grid of `rows` data rows plus a total row (the last) and `cols` columns,
/// stored row by row: each column's data rows add up to its total row.
pub fn column_lines(rows: usize, cols: usize) -> Vec<Line> {
    (0..cols)
        .map(|c| Line {
            members: (0..rows).map(|r| r * cols + c).collect(),
            total: rows * cols + c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(cells: &[Cell]) -> Vec<String> {
        cells.iter().map(|c| c.text()).collect()
    }

    #[test]
    fn small_counts_are_hidden_and_zero_stays() {
        let cells = suppress(&[0, 1, 4, 5, 12], &[]);
        assert_eq!(shown(&cells), ["0", "< 5", "< 5", "5", "12"]);
    }

    #[test]
    fn a_lone_small_cell_takes_the_next_smallest_with_it() {
        // 3 + 7 + 20 = 30: without a second hidden cell, 30 - 7 - 20 gives the 3 back.
        let lines = [Line {
            members: vec![0, 1, 2],
            total: 3,
        }];
        let cells = suppress(&[3, 7, 20, 30], &lines);
        assert_eq!(shown(&cells), ["< 5", "< 5", "20", "30"]);
    }

    #[test]
    fn zeros_are_a_last_resort_and_the_total_after_them() {
        let lines = [Line {
            members: vec![0, 1, 2],
            total: 3,
        }];
        assert_eq!(
            shown(&suppress(&[3, 0, 9, 12], &lines)),
            ["< 5", "0", "< 5", "12"]
        );
        assert_eq!(
            shown(&suppress(
                &[3, 0, 3],
                &[Line {
                    members: vec![0, 1],
                    total: 2
                }]
            )),
            ["< 5", "0", "< 5"]
        );
        // One member only: the member equals its total, both hidden.
        assert_eq!(
            shown(&suppress(
                &[3, 3],
                &[Line {
                    members: vec![0],
                    total: 1
                }]
            )),
            ["< 5", "< 5"]
        );
    }

    #[test]
    fn rows_and_columns_are_protected_until_stable() {
        // A 2x2 grid plus totals, stored row by row with row totals in column 2 and the
        // column totals in row 2:
        //   3  10 | 13
        //   8  20 | 28
        //  11  30 | 41
        let counts = [3, 10, 13, 8, 20, 28, 11, 30, 41];
        let lines = [
            Line {
                members: vec![0, 1],
                total: 2,
            },
            Line {
                members: vec![3, 4],
                total: 5,
            },
            Line {
                members: vec![0, 3],
                total: 6,
            },
            Line {
                members: vec![1, 4],
                total: 7,
            },
        ];
        let cells = suppress(&counts, &lines);
        // The 3 hides the 10 (its row) and the 8 (its column); they in turn hide the 20.
        assert_eq!(
            shown(&cells),
            ["< 5", "< 5", "13", "< 5", "< 5", "28", "11", "30", "41"]
        );
        for line in &lines {
            let hidden = line
                .members
                .iter()
                .chain([&line.total])
                .filter(|i| cells[**i] == Cell::Suppressed)
                .count();
            assert_ne!(hidden, 1, "a line with one hidden cell gives it back");
        }
    }

    #[test]
    fn column_lines_cover_every_column() {
        let lines = column_lines(2, 3);
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[1],
            Line {
                members: vec![1, 4],
                total: 7
            }
        );
    }

    #[test]
    fn rates_and_medians_need_five_and_shown_parts() {
        assert_eq!(rate(Cell::Count(2), Cell::Count(4)), None);
        assert_eq!(rate(Cell::Count(5), Cell::Count(10)), Some(0.5));
        assert_eq!(rate(Cell::Suppressed, Cell::Count(40)), None);
        assert_eq!(median(&mut [1.0, 2.0, 3.0, 4.0]), None);
        assert_eq!(median(&mut [5.0, 1.0, 2.0, 3.0, 4.0]), Some(3.0));
        assert_eq!(median(&mut [6.0, 5.0, 1.0, 2.0, 3.0, 4.0]), Some(3.5));
    }
}
