"""One module per engine; each is registered by name in ``chartdraft.drafting.registry``."""
