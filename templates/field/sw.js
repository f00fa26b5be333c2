{% autoescape off %}/* The field app's service worker (docs/field.md#the-service-worker): its configuration, then its code. */
self.FIELD_SW = {{ config }};
importScripts("{{ logic_url }}");
{% endautoescape %}
