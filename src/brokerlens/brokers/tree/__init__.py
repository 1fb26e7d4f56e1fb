"""The broker tree (issue 19 part A): the levels of the positions and the no-skip-level rule
that every change made in brokerlens obeys (`levels`, `rules`). No run step: the tree is small
(staff, not customers) and is read from the store's copy of the feed's history."""
