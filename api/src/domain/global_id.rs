//! Node ids and global record ids `<node-id>:<uuid>`.

use crate::error::{AppError, AppResult};

/// A node id: 1-32 characters of `a-z`, `0-9` and `-`, not starting with `-`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(String);

impl NodeId {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let ok = !raw.is_empty()
            && raw.len() <= 32
            && !raw.starts_with('-')
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(raw.to_string()))
        } else {
            Err(AppError::bad_input(format!(
                "'{raw}' is not a node id (1-32 of a-z, 0-9 and '-')"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A global record id `<node-id>:<uuid>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalId {
    node: NodeId,
    uuid: uuid::Uuid,
}

impl GlobalId {
    /// A fresh id for a record created on `node`: a time-ordered UUID (version 7), so the ids
    /// a node creates, and a mirror receives in feed order, land at the end of every index
    /// keyed by id instead of on a random page of it.
    pub fn new(node: &NodeId) -> Self {
        Self {
            node: node.clone(),
            uuid: uuid::Uuid::now_v7(),
        }
    }

    pub fn parse(raw: &str) -> AppResult<Self> {
        let bad =
            || AppError::bad_input(format!("'{raw}' is not an id of the form <node-id>:<uuid>"));
        let (node, uuid) = raw.trim().split_once(':').ok_or_else(bad)?;
        let node = NodeId::parse(node).map_err(|_| bad())?;
        let uuid = uuid::Uuid::parse_str(uuid).map_err(|_| bad())?;
        Ok(Self { node, uuid })
    }

    /// The UUID part (an HSDS id).
    pub fn uuid(&self) -> uuid::Uuid {
        self.uuid
    }

    /// The node that created (and owns) the record.
    pub fn node(&self) -> &NodeId {
        &self.node
    }
}

impl std::fmt::Display for GlobalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.node, self.uuid.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let node = NodeId::parse("nijmegen").unwrap();
        let id = GlobalId::new(&node);
        let parsed = GlobalId::parse(&id.to_string()).unwrap();
        assert_eq!(parsed, id);
        assert_eq!(parsed.node().as_str(), "nijmegen");
    }

    #[test]
    fn ids_of_one_node_sort_in_the_order_they_were_made() {
        let node = NodeId::parse("nijmegen").unwrap();
        let ids: Vec<String> = (0..2_000)
            .map(|_| GlobalId::new(&node).to_string())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(
            sorted, ids,
            "a later id sorts after an earlier one, also within a millisecond"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "nijmegen",
            "nijmegen:",
            ":0b0e",
            "Nijmegen:6f1c4a6e-4b7e-4a53-9d58-2f1c1e0d9a11",
            "n:xyz",
        ] {
            assert!(GlobalId::parse(bad).is_err(), "{bad}");
        }
    }
}
