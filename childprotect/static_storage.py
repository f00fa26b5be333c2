"""The static files' storage in production: whitenoise's compressed, hashed files (docs/field.md#the-service-worker).

The field app's scripts are ES modules that import each other (`import { store } from "./store.js"`). Django's
manifest storage leaves such imports alone unless told, so a hashed `app.<hash>.js` would import the unhashed
`store.js`: served online, but missing from the service worker's cache, which holds the hashed URLs, and the app
would not open offline. With the aggregation on, the imports are rewritten to the hashed names too.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    support_js_module_import_aggregation = True
