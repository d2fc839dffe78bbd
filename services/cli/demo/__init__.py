"""`avatar demo`: the whole pipeline on the embedded default (sample -> preprocess ->
track -> train -> render -> stream). `stages` holds one small function per stage, `report`
the record of what ran (demo_report.json), `pipeline` the loop that runs the stages until
one is not available yet."""
