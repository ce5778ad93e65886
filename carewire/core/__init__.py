"""The ground every carewire package stands on: typed settings (`settings`), the one
exception tree (`errors`) and the types all layers share (`types`). It imports nothing
else of carewire, so any package may import it (an import-linter contract checks)."""
