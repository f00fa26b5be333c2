// The cases list's bulk bar (cases/bulk_views.py): "Chọn tất cả trên trang" ticks every case of the page, unticking a
// case unticks it. Without this script the server still reads the box as every case of the page (`on_page`).
(function () {
  var form = document.getElementById("bulk-form");
  var all = document.getElementById("all_on_page");
  if (!form || !all) return;
  var boxes = form.querySelectorAll('input[type="checkbox"][name="cases"]');
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) all.checked = false;
      else if (Array.prototype.every.call(boxes, function (b) { return b.checked; })) all.checked = true;
    });
  });
})();
