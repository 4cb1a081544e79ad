"""strikemap's pipeline: place mentions -> honest geometries -> events -> maps and files.

One module per stage (see README "How it fits together"):
names -> gazetteer -> regions -> geocode -> events -> export -> assets/mapping -> cli.
Import from the stage modules; this package root stays light so the CLI starts fast.
"""

__version__ = "0.1.0"
