"""The analyses of one trace, one small module per figure: rows, parameters, receptive fields,
memory, the kinds of work and every counting convention. Plain data out; no rich, no typer."""
