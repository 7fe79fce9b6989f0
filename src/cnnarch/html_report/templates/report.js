// Sorting and filtering for the layer tables; the page reads the same without this script.
(function () {
  "use strict";
  document.querySelectorAll("[data-js]").forEach(function (element) { element.hidden = false; });
  document.querySelectorAll("table.layers").forEach(setUp);

  function setUp(table) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var filter = document.getElementById(table.dataset.filter);
    var column = document.getElementById(table.dataset.column);
    var shown = document.getElementById(table.dataset.shown);

    heads.forEach(function (head, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (head.firstChild) { button.appendChild(head.firstChild); }
      head.appendChild(button);
      button.addEventListener("click", function () { sortBy(index, head); });
    });

    function key(row, index) {
      var cell = row.cells[index];
      var value = cell.getAttribute("data-sort");
      return value === null ? cell.textContent.trim().toLowerCase() : parseFloat(value);
    }

    function sortBy(index, head) {
      var numeric = rows.length > 0 && rows[0].cells[index].hasAttribute("data-sort");
      var current = head.getAttribute("aria-sort");
      // The first click puts the largest count (or the first name) on top.
      var ascending = current ? current === "descending" : !numeric;
      heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
      head.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var order = rows.slice().sort(function (a, b) {
        var x = key(a, index), y = key(b, index);
        var result = x < y ? -1 : x > y ? 1 : key(a, 0) - key(b, 0);
        return ascending ? result : -result;
      });
      order.forEach(function (row) { body.appendChild(row); });
    }

    function applyFilter() {
      var words = filter.value.trim().toLowerCase();
      var index = parseInt(column.value, 10);
      var count = 0;
      rows.forEach(function (row) {
        var text = index < 0 ? row.textContent : row.cells[index].textContent;
        var match = !words || text.toLowerCase().indexOf(words) !== -1;
        row.hidden = !match;
        if (match) { count += 1; }
      });
      shown.textContent = words ? count + " of " + rows.length + " rows" : "";
    }

    filter.addEventListener("input", applyFilter);
    column.addEventListener("change", applyFilter);
  }
})();
