"""Architecture definitions: tables of layer configurations and one small builder per family."""
