//! The committed SDL (`api/schema.graphql`) against the previous release's
//! (`api/schema.previous.graphql`): clients written against the previous release keep working.
//! A type, field, argument or enum value may go (or change type) only after a release that
//! marked it `@deprecated(reason: ...)`; new arguments must be optional. Refresh the previous
//! SDL at each release (copy `schema.graphql` over it).

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::{
        ConstDirective, FieldDefinition, InputValueDefinition, TypeKind, TypeSystemDefinition,
    };
    use async_graphql::parser::{Positioned, parse_schema};
    use std::collections::HashMap;

    /// Type name -> its kind, as parsed.
    fn types(sdl: &str) -> HashMap<String, TypeKind> {
        parse_schema(sdl)
            .unwrap()
            .definitions
            .into_iter()
            .filter_map(|d| match d {
                TypeSystemDefinition::Type(t) => Some((t.node.name.node.to_string(), t.node.kind)),
                _ => None,
            })
            .collect()
    }

    fn deprecated(directives: &[Positioned<ConstDirective>]) -> bool {
        directives.iter().any(|d| d.node.name.node == "deprecated")
    }

    fn fields(kind: &TypeKind) -> Option<&Vec<Positioned<FieldDefinition>>> {
        match kind {
            TypeKind::Object(o) => Some(&o.fields),
            TypeKind::Interface(i) => Some(&i.fields),
            _ => None,
        }
    }

    /// Breaking changes between argument (or input field) lists `old` and `new` of `at`.
    fn inputs(
        at: &str,
        old: &[Positioned<InputValueDefinition>],
        new: &[Positioned<InputValueDefinition>],
        broken: &mut Vec<String>,
    ) {
        let find = |name: &str| new.iter().find(|n| n.node.name.node == name);
        for o in old.iter().filter(|o| !deprecated(&o.node.directives)) {
            match find(&o.node.name.node) {
                None => broken.push(format!("{at}({}) removed", o.node.name.node)),
                Some(n) if n.node.ty.node != o.node.ty.node => {
                    broken.push(format!("{at}({}) changed type", o.node.name.node))
                }
                _ => {}
            }
        }
        for n in new {
            let known = old.iter().any(|o| o.node.name.node == n.node.name.node);
            if !known && !n.node.ty.node.nullable && n.node.default_value.is_none() {
                broken.push(format!("{at}({}) is new and required", n.node.name.node));
            }
        }
    }

    /// Every breaking change from `previous` to `current`.
    fn breaking(previous: &str, current: &str) -> Vec<String> {
        let (old, new) = (types(previous), types(current));
        let mut broken = Vec::new();
        for (name, kind) in &old {
            let Some(now) = new.get(name) else {
                broken.push(format!("type {name} removed"));
                continue;
            };
            if let (Some(was), Some(is)) = (fields(kind), fields(now)) {
                for f in was.iter().filter(|f| !deprecated(&f.node.directives)) {
                    let at = format!("{name}.{}", f.node.name.node);
                    match is.iter().find(|n| n.node.name.node == f.node.name.node) {
                        None => broken.push(format!("{at} removed")),
                        Some(n) => {
                            if n.node.ty.node != f.node.ty.node {
                                broken.push(format!("{at} changed type"));
                            }
                            inputs(&at, &f.node.arguments, &n.node.arguments, &mut broken);
                        }
                    }
                }
            }
            match (kind, now) {
                (TypeKind::InputObject(was), TypeKind::InputObject(is)) => {
                    inputs(name, &was.fields, &is.fields, &mut broken)
                }
                (TypeKind::Enum(was), TypeKind::Enum(is)) => {
                    for v in was
                        .values
                        .iter()
                        .filter(|v| !deprecated(&v.node.directives))
                    {
                        if !is
                            .values
                            .iter()
                            .any(|n| n.node.value.node == v.node.value.node)
                        {
                            broken.push(format!("{name}.{} removed", v.node.value.node));
                        }
                    }
                }
                _ => {}
            }
        }
        broken.sort();
        broken
    }

    #[test]
    fn schema_keeps_every_field_of_the_previous_release() {
        let dir = env!("CARGO_MANIFEST_DIR");
        let previous = std::fs::read_to_string(format!("{dir}/schema.previous.graphql")).unwrap();
        let current = std::fs::read_to_string(format!("{dir}/schema.graphql")).unwrap();
        let broken = breaking(&previous, &current);
        assert!(
            broken.is_empty(),
            "breaking changes against the previous release (deprecate first): {broken:#?}"
        );
    }

    #[test]
    fn removing_or_retyping_a_field_breaks_unless_it_was_deprecated() {
        let previous = "type Query { a: Int b: String @deprecated(reason: \"use a\") \
                        c(x: Int): Int } enum E { X Y }";
        assert!(breaking(previous, previous).is_empty());
        let current = "type Query { a: String c(x: Int, y: Int!): Int } enum E { X }";
        assert_eq!(
            breaking(previous, current),
            [
                "E.Y removed",
                "Query.a changed type",
                "Query.c(y) is new and required",
            ]
        );
        let added = "type Query { a: Int c(x: Int, y: Int = 1): Int d: Int } enum E { X Y Z }";
        assert!(breaking(previous, added).is_empty());
    }
}
