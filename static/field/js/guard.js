// The web's logout guard (templates/base.html, docs/field.md#logout): before the web's "Đăng xuất" signs out (its
// answer's Clear-Site-Data wipes the field app's store), warn when the field app holds items not sent yet. Reads only
// the store's plaintext count; never opens a database that does not exist (indexedDB.databases()).
(function () {
  "use strict";
  var DB_NAME = "childprotect-field";

  function pendingCount() {
    if (!window.indexedDB || typeof indexedDB.databases !== "function") return Promise.resolve(0);
    return indexedDB.databases().then(function (all) {
      if (!all.some(function (d) { return d.name === DB_NAME; })) return 0;
      return new Promise(function (resolve) {
        var request = indexedDB.open(DB_NAME);
        request.onerror = function () { resolve(0); };
        request.onsuccess = function () {
          var db = request.result;
          try {
            var get = db.transaction("meta", "readonly").objectStore("meta").get("meta");
            get.onsuccess = function () { db.close(); resolve((get.result && get.result.pending) || 0); };
            get.onerror = function () { db.close(); resolve(0); };
          } catch (e) {
            db.close();
            resolve(0);
          }
        };
      });
    }).catch(function () { return 0; });
  }

  function guard(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.fieldChecked === "yes") return;
      event.preventDefault();
      pendingCount().then(function (pending) {
        if (pending > 0) {
          // The page's words, in its language (templates/base.html): no catalog is loaded on the web's pages.
          var text = form.dataset.unsent ||
            "Ứng dụng ngoại tuyến trên máy này còn {n} mục chưa gửi lên hệ thống. Đăng xuất sẽ xoá chúng. Vẫn đăng xuất?";
          var question = text.replace("{n}", pending);
          if (!window.confirm(question)) return;
        }
        form.dataset.fieldChecked = "yes";
        form.submit();
      });
    });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-logout]");
    for (var i = 0; i < forms.length; i += 1) guard(forms[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
