"""Development tooling, never shipped in the wheel or the image: the sandbox source systems, failure
drills and the production-shape smoke run."""
