// The few things a script improves; every page works without it (forms post, progress pages reload themselves).
(function () {
    'use strict';

    // A long operation's page: ask for its figures every second and reload once it has finished.
    var operation = document.querySelector('[data-progress-url]');
    if (operation) {
        var url = operation.getAttribute('data-progress-url');
        var bar = document.getElementById('operation-bar');
        var stage = document.getElementById('operation-stage');
        var tick = function () {
            fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
                .then(function (response) { return response.json(); })
                .then(function (status) {
                    if (status.state !== 'running') {
                        window.location.reload();
                        return;
                    }
                    if (typeof status.percent === 'number') {
                        bar.value = status.percent;
                    } else {
                        bar.removeAttribute('value');
                    }
                    if (stage && status.label) {
                        stage.textContent = status.label;
                    }
                    window.setTimeout(tick, 1000);
                })
                .catch(function () { window.setTimeout(tick, 3000); });
        };
        window.setTimeout(tick, 500);
    }

    // Documents are shown as issued, in a frame; "print" prints the frame, not the page around it.
    document.querySelectorAll('[data-print-frame]').forEach(function (button) {
        button.addEventListener('click', function () {
            var frame = document.getElementById(button.getAttribute('data-print-frame'));
            if (frame && frame.contentWindow) {
                frame.contentWindow.focus();
                frame.contentWindow.print();
            }
        });
    });

    // A frame showing a document grows to the document's height, so the page scrolls as one.
    document.querySelectorAll('iframe.document-frame').forEach(function (frame) {
        var fit = function () {
            try {
                frame.style.height = frame.contentWindow.document.documentElement.scrollHeight + 'px';
            } catch (e) { /* another origin: keep the default height */ }
        };
        frame.addEventListener('load', fit);
        fit();
    });
})();
