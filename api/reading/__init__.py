"""The reads of the product's own clients (docs/api.md#reading): a person's work queue, the cases and children in
their reach, through the selectors and the need-to-know policy of the web pages."""
