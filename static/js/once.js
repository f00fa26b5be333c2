// One-time tokens of create forms (childprotect/core/once.py). Back after saving loads the form again: the browser
// restores what the user typed, but the page carries a new token, and Save would create a second record. So the
// token a form was sent with is kept for the tab (sessionStorage, per page and form), and a form reached by Back or
// Forward is sent with it again: the server then shows the record already made instead of making another.
(function () {
  var entry = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  var history = entry ? entry.type === "back_forward" : performance.navigation && performance.navigation.type === 2;
  document.querySelectorAll('input[name="form_token"]').forEach(function (input, i) {
    var key = "form_token:" + location.pathname + ":" + i;
    var sent = null;
    try { sent = sessionStorage.getItem(key); } catch (e) { return; }
    if (history && sent) input.value = sent;
    if (input.form) input.form.addEventListener("submit", function () {
      try { sessionStorage.setItem(key, input.value); } catch (e) { /* private mode: the server still counts once */ }
    });
  });
})();
