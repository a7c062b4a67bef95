"""vtpu_lib: a cycle-level model of the vTPU for the notebook series."""
