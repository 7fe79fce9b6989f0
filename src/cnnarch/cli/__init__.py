"""The ``cnnarch`` command line, kept thin: one module per command (``*_cmd.py``, listed in
``app.COMMANDS``), the options every command shares (``options.py``) and the consoles; each
command parses, calls the library and hands plain data to a renderer."""
