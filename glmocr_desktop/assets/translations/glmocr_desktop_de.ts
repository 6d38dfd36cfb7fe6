<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>Actions</name>
    <message>
        <source>&amp;Open…</source>
        <translation>&amp;Öffnen…</translation>
    </message>
    <message>
        <source>Open files</source>
        <translation>Dateien öffnen</translation>
    </message>
    <message>
        <source>&amp;Paste Image</source>
        <translation>Bild &amp;einfügen</translation>
    </message>
    <message>
        <source>Paste an image from the clipboard</source>
        <translation>Ein Bild aus der Zwischenablage einfügen</translation>
    </message>
    <message>
        <source>S&amp;nip Screen…</source>
        <translation>Bildschirm&amp;ausschnitt…</translation>
    </message>
    <message>
        <source>Capture a rectangle of the screen as a new document, ready to run</source>
        <translation>Einen Bildschirmausschnitt als neues Dokument aufnehmen, bereit zur Erkennung</translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation>Ergebnisse &amp;speichern…</translation>
    </message>
    <message>
        <source>Save the shown document&apos;s results (the latest run of each region), named after it</source>
        <translation>Die Ergebnisse des angezeigten Dokuments speichern (den neuesten Lauf jedes Bereichs), nach dem Dokument benannt</translation>
    </message>
    <message>
        <source>&amp;Close Document</source>
        <translation>Dokument s&amp;chließen</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Copy Result</source>
        <translation>Ergebnis &amp;kopieren</translation>
    </message>
    <message>
        <source>Copy the text selected in the preview, else the whole result (also while it is still arriving)</source>
        <translation>Den in der Vorschau ausgewählten Text kopieren, sonst das ganze Ergebnis (auch während es noch eintrifft)</translation>
    </message>
    <message>
        <source>Copy Each Result When &amp;Done</source>
        <translation>Jedes Ergebnis kopieren, wenn &amp;fertig</translation>
    </message>
    <message>
        <source>Put every result on the clipboard as soon as it is finished</source>
        <translation>Jedes Ergebnis in die Zwischenablage legen, sobald es fertig ist</translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation>&amp;System</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>&amp;Hell</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>&amp;Dunkel</translation>
    </message>
    <message>
        <source>Follow the system&apos;s light or dark setting</source>
        <translation>Der hellen oder dunklen Einstellung des Systems folgen</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>Ver&amp;größern</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>Ver&amp;kleinern</translation>
    </message>
    <message>
        <source>Fit &amp;Width</source>
        <translation>An &amp;Breite anpassen</translation>
    </message>
    <message>
        <source>Fit &amp;Page</source>
        <translation>An Seite an&amp;passen</translation>
    </message>
    <message>
        <source>&amp;Rotate Page</source>
        <translation>Seite &amp;drehen</translation>
    </message>
    <message>
        <source>Rotate the page clockwise</source>
        <translation>Die Seite im Uhrzeigersinn drehen</translation>
    </message>
    <message>
        <source>Previous Page</source>
        <translation>Vorherige Seite</translation>
    </message>
    <message>
        <source>Next Page</source>
        <translation>Nächste Seite</translation>
    </message>
    <message>
        <source>&amp;Whole Page Region</source>
        <translation>Ganze Seite als Berei&amp;ch</translation>
    </message>
    <message>
        <source>Make the whole page one region</source>
        <translation>Die ganze Seite zu einem Bereich machen</translation>
    </message>
    <message>
        <source>&amp;Delete Selected Regions</source>
        <translation>Ausgewählte Bereiche lö&amp;schen</translation>
    </message>
    <message>
        <source>Delete the selected regions from the page (Undo brings them back)</source>
        <translation>Die ausgewählten Bereiche von der Seite löschen (Rückgängig holt sie zurück)</translation>
    </message>
    <message>
        <source>&amp;Remove Result from List</source>
        <translation>Ergebnis aus Liste &amp;entfernen</translation>
    </message>
    <message>
        <source>Take the selected result off the list; the history keeps it (Undo brings it back)</source>
        <translation>Das ausgewählte Ergebnis aus der Liste nehmen; der Verlauf behält es (Rückgängig holt es zurück)</translation>
    </message>
    <message>
        <source>Delete Result from &amp;History…</source>
        <translation>Ergebnis aus &amp;Verlauf löschen…</translation>
    </message>
    <message>
        <source>Delete the selected result from the history for good (asks first)</source>
        <translation>Das ausgewählte Ergebnis endgültig aus dem Verlauf löschen (mit Rückfrage)</translation>
    </message>
    <message>
        <source>Detect &amp;Layout</source>
        <translation>&amp;Layout erkennen</translation>
    </message>
    <message>
        <source>Find this page&apos;s titles, paragraphs, tables, formulas and pictures as regions</source>
        <translation>Titel, Absätze, Tabellen, Formeln und Bilder dieser Seite als Bereiche finden</translation>
    </message>
    <message>
        <source>Detect Layout of &amp;Every Page</source>
        <translation>Layout &amp;jeder Seite erkennen</translation>
    </message>
    <message>
        <source>Find the layout of every page of the document</source>
        <translation>Das Layout jeder Seite des Dokuments finden</translation>
    </message>
    <message>
        <source>&amp;Keep Headers, Footers and Page Numbers</source>
        <translation>&amp;Kopf-, Fußzeilen und Seitenzahlen behalten</translation>
    </message>
    <message>
        <source>Detect Layout also places page headers, footers, page numbers and notes</source>
        <translation>„Layout erkennen“ legt auch Kopf- und Fußzeilen, Seitenzahlen und Anmerkungen als Bereiche an</translation>
    </message>
    <message>
        <source>&amp;Merge Regions</source>
        <translation>Bereiche &amp;zusammenführen</translation>
    </message>
    <message>
        <source>Make the selected regions one region (their bounding box)</source>
        <translation>Die ausgewählten Bereiche zu einem Bereich machen (ihr umschließendes Rechteck)</translation>
    </message>
    <message>
        <source>Move &amp;Earlier</source>
        <translation>Nach &amp;vorn verschieben</translation>
    </message>
    <message>
        <source>Move the selected regions earlier in the reading order</source>
        <translation>Die ausgewählten Bereiche in der Lesereihenfolge nach vorn verschieben</translation>
    </message>
    <message>
        <source>Move &amp;Later</source>
        <translation>Nach &amp;hinten verschieben</translation>
    </message>
    <message>
        <source>Move the selected regions later in the reading order</source>
        <translation>Die ausgewählten Bereiche in der Lesereihenfolge nach hinten verschieben</translation>
    </message>
    <message>
        <source>Extraction &amp;Template…</source>
        <translation>Extraktionsvorl&amp;age…</translation>
    </message>
    <message>
        <source>Edit the JSON template for extraction</source>
        <translation>Die JSON-Vorlage für die Extraktion bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Run Selected</source>
        <translation>&amp;Auswahl erkennen</translation>
    </message>
    <message>
        <source>Recognise the selected regions</source>
        <translation>Die ausgewählten Bereiche erkennen</translation>
    </message>
    <message>
        <source>Run &amp;All Regions</source>
        <translation>Alle Be&amp;reiche erkennen</translation>
    </message>
    <message>
        <source>Recognise every region of this page</source>
        <translation>Jeden Bereich dieser Seite erkennen</translation>
    </message>
    <message>
        <source>Run &amp;Whole Page</source>
        <translation>&amp;Ganze Seite erkennen</translation>
    </message>
    <message>
        <source>Recognise the whole page as text (Run Whole Page As for another task)</source>
        <translation>Die ganze Seite als Text erkennen („Ganze Seite erkennen als“ für eine andere Aufgabe)</translation>
    </message>
    <message>
        <source>Recognise the whole page with the {0} task</source>
        <translation>Die ganze Seite mit der Aufgabe {0} erkennen</translation>
    </message>
    <message>
        <source>Run &amp;Document…</source>
        <translation>&amp;Dokument erkennen…</translation>
    </message>
    <message>
        <source>Read whole documents: every page, a page range or every open document</source>
        <translation>Ganze Dokumente lesen: jede Seite, einen Seitenbereich oder jedes geöffnete Dokument</translation>
    </message>
    <message>
        <source>&amp;Export Document…</source>
        <translation>Dokument e&amp;xportieren…</translation>
    </message>
    <message>
        <source>Save the assembled document as Markdown, JSON, Word or searchable PDF</source>
        <translation>Das zusammengesetzte Dokument als Markdown, JSON, Word oder durchsuchbares PDF speichern</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>S&amp;topp</translation>
    </message>
    <message>
        <source>Stop recognition</source>
        <translation>Die Erkennung anhalten</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>E&amp;instellungen…</translation>
    </message>
    <message>
        <source>&amp;Model…</source>
        <translation>&amp;Modell…</translation>
    </message>
    <message>
        <source>Choose or download the model</source>
        <translation>Das Modell wählen oder herunterladen</translation>
    </message>
    <message>
        <source>&amp;Reload Model</source>
        <translation>Modell &amp;neu laden</translation>
    </message>
    <message>
        <source>{0}: the task for new regions; with regions selected, they are read as {0} too</source>
        <translation>{0}: die Aufgabe für neue Bereiche; ausgewählte Bereiche werden ebenfalls als {0} gelesen</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>More menus</source>
        <translation>Weitere Menüs</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation>Kopieren &amp;als</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>&amp;Farbschema</translation>
    </message>
    <message>
        <source>&amp;Region</source>
        <translation>Be&amp;reich</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>&amp;Erkennen</translation>
    </message>
    <message>
        <source>Run Whole Page &amp;As</source>
        <translation>Ganze Seite erkennen al&amp;s</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>Haupt-Werkzeugleiste</translation>
    </message>
    <message>
        <source>More tools</source>
        <translation>Weitere Werkzeuge</translation>
    </message>
    <message>
        <source>Page view</source>
        <translation>Seitenansicht</translation>
    </message>
    <message>
        <source>Zoom, fit and rotate the page</source>
        <translation>Die Seite zoomen, einpassen und drehen</translation>
    </message>
    <message>
        <source> New regions: </source>
        <translation> Neue Bereiche: </translation>
    </message>
    <message>
        <source>The task buttons set the task for new regions; with regions selected, they set those regions&apos; task too (keys 1-4 on the page)</source>
        <translation>Die Aufgabenknöpfe legen die Aufgabe für neue Bereiche fest; sind Bereiche ausgewählt, auch deren Aufgabe (Tasten 1–4 auf der Seite)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Erkennen</translation>
    </message>
    <message>
        <source>Run all</source>
        <translation>Alle erkennen</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>Dokument</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>Layout</translation>
    </message>
    <message>
        <source>History of results (Ctrl+H)</source>
        <translation>Verlauf der Ergebnisse (Strg+H)</translation>
    </message>
    <message>
        <source>No recent files</source>
        <translation>Keine zuletzt geöffneten Dateien</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>Liste leeren</translation>
    </message>
    <message>
        <source>No result selected</source>
        <translation>Kein Ergebnis ausgewählt</translation>
    </message>
</context>
<context>
    <name>Clipboard</name>
    <message>
        <source>Plain text</source>
        <extracomment>The Copy As formats&apos; names (``core.exports`` names them in English), for the translation catalogues.</extracomment>
        <translation>Reiner Text</translation>
    </message>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>Formatted text (HTML)</source>
        <translation>Formatierter Text (HTML)</translation>
    </message>
    <message>
        <source>LaTeX</source>
        <translation>LaTeX</translation>
    </message>
    <message>
        <source>LaTeX with $$ delimiters</source>
        <translation>LaTeX mit $$-Begrenzern</translation>
    </message>
    <message>
        <source>MathML</source>
        <translation>MathML</translation>
    </message>
    <message>
        <source>Table (HTML + TSV)</source>
        <translation>Tabelle (HTML + TSV)</translation>
    </message>
    <message>
        <source>Tab-separated values</source>
        <translation>Tabulatorgetrennte Werte</translation>
    </message>
    <message>
        <source>Markdown table</source>
        <translation>Markdown-Tabelle</translation>
    </message>
    <message>
        <source>HTML source</source>
        <translation>HTML-Quelltext</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Fields (TSV)</source>
        <translation>Felder (TSV)</translation>
    </message>
</context>
<context>
    <name>ContextMenus</name>
    <message>
        <source>Run Whole Page &amp;As</source>
        <translation>Ganze Seite erkennen al&amp;s</translation>
    </message>
    <message>
        <source>Copy Page &amp;Image</source>
        <translation>Seitenbild k&amp;opieren</translation>
    </message>
    <message>
        <source>The page&apos;s picture is not ready yet.</source>
        <translation>Das Bild der Seite ist noch nicht bereit.</translation>
    </message>
    <message>
        <source>Copied the page&apos;s picture</source>
        <translation>Bild der Seite kopiert</translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation>Ergebnisse &amp;speichern…</translation>
    </message>
    <message>
        <source>Show in &amp;Folder</source>
        <translation>Im &amp;Ordner zeigen</translation>
    </message>
    <message>
        <source>Copy &amp;Path</source>
        <translation>&amp;Pfad kopieren</translation>
    </message>
    <message>
        <source>&amp;Save Results of This Document…</source>
        <translation>Ergebnisse dieses &amp;Dokuments speichern…</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation>Kopieren &amp;als</translation>
    </message>
    <message>
        <source>Show on &amp;Page</source>
        <translation>Auf der &amp;Seite zeigen</translation>
    </message>
    <message>
        <source>Run &amp;Again</source>
        <translation>E&amp;rneut erkennen</translation>
    </message>
    <message>
        <source>Run Again with &amp;More Tokens ({n:,})</source>
        <translation>Erneut erkennen mit &amp;mehr Tokens ({n:,})</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>“{0}” is protected by a password.</source>
        <translation>„{0}“ ist durch ein Passwort geschützt.</translation>
    </message>
    <message>
        <source>That password did not open “{0}”. Try again.</source>
        <translation>Dieses Passwort öffnet „{0}“ nicht. Bitte erneut versuchen.</translation>
    </message>
    <message>
        <source>Password required</source>
        <translation>Passwort erforderlich</translation>
    </message>
    <message>
        <source>Replace edited regions?</source>
        <translation>Bearbeitete Bereiche ersetzen?</translation>
    </message>
    <message>
        <source>You edited the detected regions of page {0}.</source>
        <translation>Sie haben die erkannten Bereiche von Seite {0} bearbeitet.</translation>
    </message>
    <message>
        <source>You edited the detected regions of pages {0}.</source>
        <translation>Sie haben die erkannten Bereiche der Seiten {0} bearbeitet.</translation>
    </message>
    <message>
        <source>Detecting the layout again replaces them (regions you drew stay).</source>
        <translation>Eine erneute Layouterkennung ersetzt sie (selbst gezeichnete Bereiche bleiben).</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>Ersetzen</translation>
    </message>
    <message>
        <source>Keep edited pages</source>
        <translation>Bearbeitete Seiten behalten</translation>
    </message>
    <message>
        <source>Delete from history?</source>
        <translation>Aus dem Verlauf löschen?</translation>
    </message>
    <message>
        <source>Delete {0} from the history?</source>
        <translation>{0} aus dem Verlauf löschen?</translation>
    </message>
    <message>
        <source>It is deleted for good: Undo cannot bring it back. (Del only takes a result off the list.)</source>
        <translation>Es wird endgültig gelöscht: Rückgängig kann es nicht wiederherstellen. (Entf nimmt ein Ergebnis nur aus der Liste.)</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message>
        <source>Not valid JSON: {0} (line {1}, column {2}).</source>
        <translation>Kein gültiges JSON: {0} (Zeile {1}, Spalte {2}).</translation>
    </message>
</context>
<context>
    <name>DocumentRunner</name>
    <message>
        <source>The layout model is not on this computer, so pages without regions are read whole with one prompt. {0}</source>
        <extracomment>Seconds between two event batches sent to the GUI. Pages begun before a restart: ``(key, page) -&gt; core.store.runs.RunPage``; what they had read is merged with what is read now (only their blocks left are asked for, as ``regions``). Pages done before a restart, ``(key, RunPage)``: handed back as PageReady first, not read again.</extracomment>
        <translation>Das Layoutmodell ist auf diesem Computer nicht vorhanden; Seiten ohne Bereiche werden daher ganz mit einem Prompt gelesen. {0}</translation>
    </message>
    <message>
        <source>The layout model could not be loaded ({0}); pages without regions are read whole.</source>
        <translation>Das Layoutmodell konnte nicht geladen werden ({0}); Seiten ohne Bereiche werden ganz gelesen.</translation>
    </message>
</context>
<context>
    <name>DocumentRuns</name>
    <message>
        <source>A document run is already under way.</source>
        <extracomment>How often the progress panel and the document view are refreshed while a run goes on (ms). Asked before resuming a run at start-up; tests replace it.</extracomment>
        <translation>Ein Dokumentlauf ist bereits im Gange.</translation>
    </message>
    <message>
        <source>Open a document first.</source>
        <translation>Zuerst ein Dokument öffnen.</translation>
    </message>
    <message numerus="yes">
        <source>%n documents</source>
        <translation>
            <numerusform>%n Dokument</numerusform>
            <numerusform>%n Dokumente</numerusform>
        </translation>
    </message>
    <message>
        <source>The model is needed to read the document.</source>
        <translation>Zum Lesen des Dokuments wird das Modell benötigt.</translation>
    </message>
    <message numerus="yes">
        <source>Reading {0}: %n page(s)</source>
        <translation>
            <numerusform>{0} wird gelesen: %n Seite</numerusform>
            <numerusform>{0} wird gelesen: %n Seiten</numerusform>
        </translation>
    </message>
    <message>
        <source>The model is not loaded.</source>
        <translation>Das Modell ist nicht geladen.</translation>
    </message>
    <message>
        <source>Pausing: the regions under way finish, no new one starts</source>
        <translation>Pause: laufende Bereiche werden fertiggestellt, kein neuer beginnt</translation>
    </message>
    <message>
        <source>Reading {0}…</source>
        <translation>{0} wird gelesen…</translation>
    </message>
    <message>
        <source>Stopping the document run…</source>
        <translation>Dokumentlauf wird angehalten…</translation>
    </message>
    <message>
        <source>{0} · page {1}</source>
        <translation>{0} · Seite {1}</translation>
    </message>
    <message>
        <source>{0} page {1}: {2}</source>
        <translation>{0} Seite {1}: {2}</translation>
    </message>
    <message>
        <source>p.{0}</source>
        <translation>S. {0}</translation>
    </message>
    <message>
        <source>document</source>
        <translation>Dokument</translation>
    </message>
    <message>
        <source>The document run stopped: {0}</source>
        <translation>Der Dokumentlauf wurde beendet: {0}</translation>
    </message>
    <message>
        <source>Stopped {0}: {1} of {2} page(s)</source>
        <translation>{0} angehalten: {1} von {2} Seite(n)</translation>
    </message>
    <message>
        <source>Read {0}: {1} of {2} page(s)</source>
        <translation>{0} gelesen: {1} von {2} Seite(n)</translation>
    </message>
    <message>
        <source>, {0} failed</source>
        <translation>, {0} fehlgeschlagen</translation>
    </message>
    <message>
        <source>{0} has not been read as a document yet: Run Document first.</source>
        <translation>{0} wurde noch nicht als Dokument gelesen: zuerst „Dokument ausführen“ wählen.</translation>
    </message>
    <message>
        <source>Could not export {0}: {1}</source>
        <translation>{0} konnte nicht exportiert werden: {1}</translation>
    </message>
    <message>
        <source>Exporting {0}…</source>
        <translation>{0} wird exportiert…</translation>
    </message>
    <message>
        <source>Exported the document to {0}</source>
        <translation>Dokument exportiert nach {0}</translation>
    </message>
    <message>
        <source> and {0} more</source>
        <translation> und {0} weitere</translation>
    </message>
    <message>
        <source>Resume the document run?</source>
        <translation>Dokumentlauf fortsetzen?</translation>
    </message>
    <message>
        <source>A document run did not finish ({0}{1}: {2} of {3} pages read).

Resume it? Pages and regions already read are kept and not read again.</source>
        <translation>Ein Dokumentlauf wurde nicht abgeschlossen ({0}{1}: {2} von {3} Seiten gelesen).

Fortsetzen? Bereits gelesene Seiten und Bereiche bleiben erhalten und werden nicht erneut gelesen.</translation>
    </message>
    <message>
        <source>{0} is no longer there; its pages are left out.</source>
        <translation>{0} ist nicht mehr vorhanden; seine Seiten werden ausgelassen.</translation>
    </message>
    <message>
        <source>Opening the documents of the unfinished run…</source>
        <translation>Dokumente des unvollendeten Laufs werden geöffnet…</translation>
    </message>
    <message>
        <source>None of the unfinished run&apos;s documents could be opened.</source>
        <translation>Keines der Dokumente des unvollendeten Laufs konnte geöffnet werden.</translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <source>Document</source>
        <extracomment>How often a shown document view asks its page for a click (ms).</extracomment>
        <translation>Dokument</translation>
    </message>
    <message>
        <source>Run Document (Ctrl+Shift+D) to see the whole document here.</source>
        <translation>„Dokument ausführen“ (Strg+Umschalt+D), um hier das ganze Dokument zu sehen.</translation>
    </message>
</context>
<context>
    <name>DocumentWorkspace</name>
    <message>
        <source>Markdown, pictures in a folder beside it (*.md)</source>
        <extracomment>File dialog filters of Export Document (in English; shown translated), and the format each one writes.</extracomment>
        <translation>Markdown, Bilder in einem Ordner daneben (*.md)</translation>
    </message>
    <message>
        <source>JSON, the GLM-OCR SDK&apos;s layout (*.json)</source>
        <translation>JSON, im Layout des GLM-OCR-SDK (*.json)</translation>
    </message>
    <message>
        <source>Word (*.docx)</source>
        <translation>Word (*.docx)</translation>
    </message>
    <message>
        <source>Searchable PDF (*.pdf)</source>
        <translation>Durchsuchbares PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Open a document first.</source>
        <translation>Zuerst ein Dokument öffnen.</translation>
    </message>
    <message>
        <source>Run Document first: there is no assembled document to export yet.</source>
        <translation>Zuerst „Dokument ausführen“: Es gibt noch kein zusammengesetztes Dokument zum Exportieren.</translation>
    </message>
    <message>
        <source>Export document</source>
        <translation>Dokument exportieren</translation>
    </message>
</context>
<context>
    <name>Documents</name>
    <message>
        <source>Pasted image {0}.png</source>
        <extracomment>Names of images that become documents, by how they came (shown in the window&apos;s language).</extracomment>
        <translation>Eingefügtes Bild {0}.png</translation>
    </message>
    <message>
        <source>Dropped image {0}.png</source>
        <translation>Abgelegtes Bild {0}.png</translation>
    </message>
    <message>
        <source>Snip image {0}.png</source>
        <translation>Ausschnitt {0}.png</translation>
    </message>
    <message>
        <source>{0}/ (no supported files)</source>
        <translation>{0}/ (keine unterstützten Dateien)</translation>
    </message>
    <message>
        <source>{0} (not found)</source>
        <translation>{0} (nicht gefunden)</translation>
    </message>
    <message>
        <source>{0} (not a supported image or PDF)</source>
        <translation>{0} (kein unterstütztes Bild oder PDF)</translation>
    </message>
    <message>
        <source>Not opened: {0}</source>
        <translation>Nicht geöffnet: {0}</translation>
    </message>
    <message>
        <source>Opening {0}…</source>
        <translation>{0} wird geöffnet…</translation>
    </message>
    <message>
        <source>The clipboard holds no image.</source>
        <translation>Die Zwischenablage enthält kein Bild.</translation>
    </message>
    <message>
        <source>Links to the web are not downloaded; save the file and drop it instead.</source>
        <translation>Weblinks werden nicht heruntergeladen; die Datei speichern und stattdessen diese ablegen.</translation>
    </message>
    <message>
        <source>Only files can be dropped here (images and PDFs).</source>
        <translation>Hier können nur Dateien abgelegt werden (Bilder und PDFs).</translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation>{0} geöffnet</translation>
    </message>
    <message>
        <source>Could not open {0}: {1}</source>
        <translation>{0} konnte nicht geöffnet werden: {1}</translation>
    </message>
    <message>
        <source>{0} is taking unusually long to open ({1} s so far); it will appear when it is ready.</source>
        <translation>Das Öffnen von {0} dauert ungewöhnlich lange (bisher {1} s); es erscheint, sobald es bereit ist.</translation>
    </message>
    <message>
        <source>Page {0} cannot be shown: {1}</source>
        <translation>Seite {0} kann nicht angezeigt werden: {1}</translation>
    </message>
    <message>
        <source>Page {0} of {1} is taking unusually long to render ({2} s so far). It will appear when it is done; other pages and documents can be used meanwhile.</source>
        <translation>Das Rendern von Seite {0} von {1} dauert ungewöhnlich lange (bisher {2} s). Sie erscheint, sobald sie fertig ist; andere Seiten und Dokumente können inzwischen verwendet werden.</translation>
    </message>
    <message>
        <source>Page {0} could not be rendered: {1}</source>
        <translation>Seite {0} konnte nicht gerendert werden: {1}</translation>
    </message>
</context>
<context>
    <name>EngineSettings</name>
    <message>
        <source>This computer (local model)</source>
        <extracomment>shown through QCoreApplication.translate(&quot;EngineSettings&quot;, ...)</extracomment>
        <translation>Dieser Computer (lokales Modell)</translation>
    </message>
    <message>
        <source>OpenAI-compatible server (vLLM, SGLang, LM Studio, llama.cpp, glmocr-desktop serve)</source>
        <translation>OpenAI-kompatibler Server (vLLM, SGLang, LM Studio, llama.cpp, glmocr-desktop serve)</translation>
    </message>
    <message>
        <source>the keyring could not be opened ({0}: {1})</source>
        <translation>der Schlüsselbund konnte nicht geöffnet werden ({0}: {1})</translation>
    </message>
    <message>
        <source>no system keyring is available on this computer</source>
        <translation>auf diesem Computer ist kein System-Schlüsselbund verfügbar</translation>
    </message>
    <message>
        <source>No server URL is set.</source>
        <translation>Keine Server-URL angegeben.</translation>
    </message>
    <message>
        <source>Add one in Settings › Engine.</source>
        <translation>Fügen Sie eine unter Einstellungen › Engine hinzu.</translation>
    </message>
    <message>
        <source>Correct it in Settings › Engine.</source>
        <translation>Korrigieren Sie sie unter Einstellungen › Engine.</translation>
    </message>
    <message>
        <source>Unencrypted connection</source>
        <translation>Unverschlüsselte Verbindung</translation>
    </message>
    <message>
        <source>These servers are on other computers and are reached over plain http:</source>
        <translation>Diese Server laufen auf anderen Computern und werden über unverschlüsseltes http erreicht:</translation>
    </message>
    <message>
        <source>The pages you read and the API key travel unencrypted; anyone on the network between can read them. Use https unless the network is yours.</source>
        <translation>Die gelesenen Seiten und der API-Schlüssel werden unverschlüsselt übertragen; jeder im Netzwerk dazwischen kann sie mitlesen. Verwenden Sie https, wenn das Netzwerk nicht Ihres ist.</translation>
    </message>
    <message>
        <source>Use Anyway</source>
        <translation>Trotzdem verwenden</translation>
    </message>
</context>
<context>
    <name>EngineSettingsPage</name>
    <message>
        <source>(one server per line; requests are spread over them)</source>
        <translation>(ein Server pro Zeile; Anfragen werden auf sie verteilt)</translation>
    </message>
    <message>
        <source>glm-ocr (vLLM/SGLang --served-model-name; Ollama: glm-ocr)</source>
        <translation>glm-ocr (vLLM/SGLang --served-model-name; Ollama: glm-ocr)</translation>
    </message>
    <message>
        <source>Forget Key</source>
        <translation>Schlüssel vergessen</translation>
    </message>
    <message>
        <source>The API key cannot be saved: {0}. It is kept until the app closes.</source>
        <translation>Der API-Schlüssel kann nicht gespeichert werden: {0}. Er bleibt bis zum Beenden der App erhalten.</translation>
    </message>
    <message>
        <source>kept for this session only</source>
        <translation>nur für diese Sitzung gespeichert</translation>
    </message>
    <message>
        <source>The API key is kept in the system keyring, not in the settings file.</source>
        <translation>Der API-Schlüssel wird im System-Schlüsselbund gespeichert, nicht in der Einstellungsdatei.</translation>
    </message>
    <message>
        <source>unchanged (leave empty to keep the saved key)</source>
        <translation>unverändert (leer lassen, um den gespeicherten Schlüssel zu behalten)</translation>
    </message>
    <message>
        <source>Requests in flight at once over all servers (the official SDK uses 32).</source>
        <translation>Gleichzeitig laufende Anfragen über alle Server (das offizielle SDK verwendet 32).</translation>
    </message>
    <message>
        <source>Test Connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <source>Run the model on</source>
        <translation>Modell ausführen auf</translation>
    </message>
    <message>
        <source>Server URLs</source>
        <translation>Server-URLs</translation>
    </message>
    <message>
        <source>Model name</source>
        <translation>Modellname</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API-Schlüssel</translation>
    </message>
    <message>
        <source>Requests in flight</source>
        <translation>Gleichzeitige Anfragen</translation>
    </message>
    <message>
        <source>The saved API key is forgotten when you press OK.</source>
        <translation>Der gespeicherte API-Schlüssel wird beim Klick auf OK vergessen.</translation>
    </message>
    <message>
        <source>Add the URL of at least one server.</source>
        <translation>Geben Sie die URL mindestens eines Servers an.</translation>
    </message>
    <message>
        <source>Use https for servers on other computers, or accept the warning.</source>
        <translation>Verwenden Sie https für Server auf anderen Computern oder bestätigen Sie die Warnung.</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>Wird getestet…</translation>
    </message>
    <message>
        <source>none listed</source>
        <translation>keine aufgeführt</translation>
    </message>
    <message>
        <source>✓ {0}: {1}; models: {2}</source>
        <translation>✓ {0}: {1}; Modelle: {2}</translation>
    </message>
</context>
<context>
    <name>ExceptionHandler</name>
    <message>
        <source>Unexpected error (logged): {0}</source>
        <translation>Unerwarteter Fehler (protokolliert): {0}</translation>
    </message>
    <message numerus="yes">
        <source>%n more error(s) happened since the last message.</source>
        <translation>
            <numerusform>Seit der letzten Meldung ist %n weiterer Fehler aufgetreten.</numerusform>
            <numerusform>Seit der letzten Meldung sind %n weitere Fehler aufgetreten.</numerusform>
        </translation>
    </message>
    <message>
        <source>Details are in the log file:
{0}</source>
        <translation>Details stehen in der Protokolldatei:
{0}</translation>
    </message>
    <message>
        <source>Something went wrong inside {0}:</source>
        <translation>In {0} ist ein Fehler aufgetreten:</translation>
    </message>
    <message>
        <source>{0}: unexpected error</source>
        <translation>{0}: unerwarteter Fehler</translation>
    </message>
    <message>
        <source>The app carries on.</source>
        <translation>Die App läuft weiter.</translation>
    </message>
    <message>
        <source>The app carries on. 1 result is not saved yet ({0}): kept in memory only; the banner at the top of the window can save them to a file.</source>
        <translation>Die App läuft weiter. 1 Ergebnis ist noch nicht gespeichert ({0}): nur im Arbeitsspeicher; mit dem Hinweisbalken oben im Fenster lässt es sich in eine Datei speichern.</translation>
    </message>
    <message numerus="yes">
        <source>The app carries on. %n results are not saved yet ({0}): kept in memory only; the banner at the top of the window can save them to a file.</source>
        <translation>
            <numerusform>Die App läuft weiter. %n Ergebnis ist noch nicht gespeichert ({0}): nur im Arbeitsspeicher; mit dem Hinweisbalken oben im Fenster lässt es sich in eine Datei speichern.</numerusform>
            <numerusform>Die App läuft weiter. %n Ergebnisse sind noch nicht gespeichert ({0}): nur im Arbeitsspeicher; mit dem Hinweisbalken oben im Fenster lassen sie sich in eine Datei speichern.</numerusform>
        </translation>
    </message>
    <message>
        <source>The app carries on, but new results cannot be saved now ({0}).</source>
        <translation>Die App läuft weiter, aber neue Ergebnisse können derzeit nicht gespeichert werden ({0}).</translation>
    </message>
    <message>
        <source>The app carries on; every result so far is saved.</source>
        <translation>Die App läuft weiter; alle bisherigen Ergebnisse sind gespeichert.</translation>
    </message>
</context>
<context>
    <name>HistoryDock</name>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Search results…</source>
        <translation>Ergebnisse durchsuchen…</translation>
    </message>
    <message>
        <source>Delete the selected result from the history for good (asks first)</source>
        <translation>Das gewählte Ergebnis endgültig aus dem Verlauf löschen (mit Rückfrage)</translation>
    </message>
    <message>
        <source>Delete result from history</source>
        <translation>Ergebnis aus dem Verlauf löschen</translation>
    </message>
    <message>
        <source>(a stored result that cannot be shown)</source>
        <translation>(ein gespeichertes Ergebnis, das nicht angezeigt werden kann)</translation>
    </message>
    <message>
        <source>{0} · p.{1}</source>
        <translation>{0} · S. {1}</translation>
    </message>
</context>
<context>
    <name>InferenceThread</name>
    <message>
        <source>The layout of the page could not be found: {0}</source>
        <translation>Das Layout der Seite konnte nicht ermittelt werden: {0}</translation>
    </message>
    <message>
        <source>The model is not loaded.</source>
        <translation>Das Modell ist nicht geladen.</translation>
    </message>
    <message>
        <source>Could not render: {0}</source>
        <translation>Darstellung nicht möglich: {0}</translation>
    </message>
    <message>
        <source>The engine stopped early.</source>
        <translation>Die Engine hat vorzeitig angehalten.</translation>
    </message>
</context>
<context>
    <name>LayoutDetection</name>
    <message>
        <source>Layout detection cancelled: the edited regions stay</source>
        <translation>Layouterkennung abgebrochen: die bearbeiteten Bereiche bleiben</translation>
    </message>
    <message>
        <source>Finding the layout of page {0}…</source>
        <translation>Layout von Seite {0} wird erkannt…</translation>
    </message>
    <message numerus="yes">
        <source>Finding the layout of %n pages…</source>
        <translation>
            <numerusform>Layout von %n Seite wird erkannt…</numerusform>
            <numerusform>Layout von %n Seiten wird erkannt…</numerusform>
        </translation>
    </message>
    <message>
        <source>Page {0}: the layout model found no regions; its regions stay as they were</source>
        <translation>Seite {0}: Das Layoutmodell hat keine Bereiche gefunden; ihre Bereiche bleiben unverändert</translation>
    </message>
    <message numerus="yes">
        <source> (%n header, footer or page-number block(s) left out)</source>
        <translation>
            <numerusform> (%n Kopf-, Fußzeilen- oder Seitenzahlblock ausgelassen)</numerusform>
            <numerusform> (%n Kopf-, Fußzeilen- oder Seitenzahlblöcke ausgelassen)</numerusform>
        </translation>
    </message>
    <message>
        <source>Page {0}: {1} regions{2}; {3} page(s) to go…</source>
        <translation>Seite {0}: {1} Bereiche{2}; noch {3} Seite(n)…</translation>
    </message>
    <message>
        <source>Layout: {0} regions on page {1}{2}</source>
        <translation>Layout: {0} Bereiche auf Seite {1}{2}</translation>
    </message>
    <message>
        <source>Page {0}: {1}</source>
        <translation>Seite {0}: {1}</translation>
    </message>
    <message>
        <source>Layout detection stopped</source>
        <translation>Layouterkennung angehalten</translation>
    </message>
    <message>
        <source>The layout was not detected: the layout model is not on this computer</source>
        <translation>Das Layout wurde nicht erkannt: Das Layoutmodell ist auf diesem Computer nicht vorhanden</translation>
    </message>
</context>
<context>
    <name>LayoutModelDialog</name>
    <message>
        <source>Detect Layout finds the page&apos;s titles, paragraphs, tables, formulas and pictures with PP-DocLayoutV3, as the GLM-OCR pipeline does. Get it with&lt;br&gt;{0}&lt;br&gt;press Download to fetch it from Hugging Face now, or choose a folder that holds it (config.json, model.safetensors, preprocessor_config.json).</source>
        <translation>„Layout erkennen“ findet mit PP-DocLayoutV3 die Überschriften, Absätze, Tabellen, Formeln und Bilder der Seite, wie es die GLM-OCR-Pipeline tut. Holen Sie es mit&lt;br&gt;{0}&lt;br&gt;klicken Sie auf „Herunterladen“, um es jetzt von Hugging Face zu laden, oder wählen Sie einen Ordner, der es enthält (config.json, model.safetensors, preprocessor_config.json).</translation>
    </message>
</context>
<context>
    <name>LoadInterrupted</name>
    <message>
        <source>Loading the model was stopped: the app is closing.</source>
        <extracomment>Minimum seconds between two chunk signals of one job (~30 per second). The inference thread&apos;s requests are core&apos;s (one builder for the window and the CLI).</extracomment>
        <translation>Das Laden des Modells wurde abgebrochen: Die App wird geschlossen.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Open</source>
        <extracomment>The window and, re-exported, its first-start geometry and the panes&apos; least widths. Only the types the opener really opens (core.formats is the one list of them).</extracomment>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>The model could not be loaded: {0}</source>
        <translation>Das Modell konnte nicht geladen werden: {0}</translation>
    </message>
    <message>
        <source>Choose where the model comes from.</source>
        <translation>Wählen Sie, woher das Modell kommt.</translation>
    </message>
    <message>
        <source>Open a document first.</source>
        <translation>Zuerst ein Dokument öffnen.</translation>
    </message>
    <message>
        <source>Documents</source>
        <extracomment>The first start&apos;s window at most, and the share of the screen&apos;s free area it takes when that is smaller. The narrowest the page view, the results pane and its preview may be made (the splitter stops there).</extracomment>
        <translation>Dokumente</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <source>Open or drop a scan, photo or PDF</source>
        <translation>Einen Scan, ein Foto oder ein PDF öffnen oder hierher ziehen</translation>
    </message>
    <message>
        <source>Ctrl+O to open · Ctrl+V to paste an image · then draw regions and press Ctrl+Enter</source>
        <translation>Strg+O zum Öffnen · Strg+V fügt ein Bild ein · dann Bereiche aufziehen und Strg+Eingabe drücken</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <source>Result preview</source>
        <translation>Ergebnisvorschau</translation>
    </message>
</context>
<context>
    <name>ModelDetails</name>
    <message>
        <source>not measured yet (run a region)</source>
        <extracomment>How many finished results the measured speed is the median of.</extracomment>
        <translation>noch nicht gemessen (einen Bereich erkennen)</translation>
    </message>
    <message>
        <source>{rate:.1f} tokens/s (median of the last {n} results)</source>
        <translation>{rate:.1f} Tokens/s (Median der letzten {n} Ergebnisse)</translation>
    </message>
    <message>
        <source>not on this computer</source>
        <translation>nicht auf diesem Computer</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>wird geladen…</translation>
    </message>
    <message>
        <source>failed to load</source>
        <translation>Laden fehlgeschlagen</translation>
    </message>
    <message>
        <source>not loaded yet</source>
        <translation>noch nicht geladen</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Geschwindigkeit</translation>
    </message>
    <message>
        <source>The GLM-OCR model in use</source>
        <translation>Das verwendete GLM-OCR-Modell</translation>
    </message>
    <message>
        <source>To use another model, choose its folder or download {repo} again.</source>
        <translation>Um ein anderes Modell zu verwenden, wählen Sie seinen Ordner oder laden Sie {repo} erneut herunter.</translation>
    </message>
</context>
<context>
    <name>ModelDialog</name>
    <message>
        <source>GLM-OCR model needed</source>
        <translation>GLM-OCR-Modell benötigt</translation>
    </message>
    <message>
        <source>The GLM-OCR model is not on this computer yet.</source>
        <translation>Das GLM-OCR-Modell ist noch nicht auf diesem Computer.</translation>
    </message>
    <message>
        <source>Folder with the GLM-OCR model</source>
        <translation>Ordner mit dem GLM-OCR-Modell</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>Ordner wählen…</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>Herunterladen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Choose a folder that holds the model, or download {0} (about 2.7 GB) from Hugging Face. The download can be stopped and resumed later.</source>
        <translation>Wählen Sie einen Ordner, der das Modell enthält, oder laden Sie {0} (etwa 2,7 GB) von Hugging Face herunter. Der Download kann angehalten und später fortgesetzt werden.</translation>
    </message>
    <message>
        <source>Connecting to Hugging Face…</source>
        <translation>Verbindung zu Hugging Face wird hergestellt…</translation>
    </message>
    <message>
        <source>Stop download</source>
        <translation>Download anhalten</translation>
    </message>
    <message>
        <source>The download was stopped. The files finished so far are kept; the next try fetches the rest.</source>
        <translation>Der Download wurde angehalten. Bereits fertige Dateien bleiben erhalten; der nächste Versuch lädt den Rest.</translation>
    </message>
    <message>
        <source>Downloading… {0}</source>
        <translation>Wird heruntergeladen… {0}</translation>
    </message>
    <message>
        <source>Downloaded to {0}</source>
        <translation>Heruntergeladen nach {0}</translation>
    </message>
    <message>
        <source>Resume download</source>
        <translation>Download fortsetzen</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Wird angehalten…</translation>
    </message>
    <message>
        <source>Layout model needed</source>
        <translation>Layoutmodell benötigt</translation>
    </message>
    <message>
        <source>The layout model is not on this computer yet.</source>
        <translation>Das Layoutmodell ist noch nicht auf diesem Computer.</translation>
    </message>
    <message>
        <source>Folder with the PP-DocLayoutV3 layout model</source>
        <translation>Ordner mit dem Layoutmodell PP-DocLayoutV3</translation>
    </message>
</context>
<context>
    <name>Navigation</name>
    <message>
        <source>1 page</source>
        <translation>1 Seite</translation>
    </message>
    <message>
        <source>{n} pages</source>
        <translation>{n} Seiten</translation>
    </message>
    <message>
        <source>{name} was not opened (it needs a password).</source>
        <translation>{name} wurde nicht geöffnet (ein Passwort ist nötig).</translation>
    </message>
</context>
<context>
    <name>PageStrip</name>
    <message>
        <source>This page is taking unusually long to render.</source>
        <translation>Das Rendern dieser Seite dauert ungewöhnlich lange.</translation>
    </message>
</context>
<context>
    <name>PageView</name>
    <message>
        <source>Page</source>
        <extracomment>What an arrow key moves or resizes the selected regions by, as a share of the page (Shift: the large step). The smallest a region can be made from the keyboard, as a share of the page. The share of the visible part of the page a region made from the keyboard takes, centred on it. What the keyboard edit being announced by ``regions_changed`` did (&quot;add&quot;, &quot;move&quot;, &quot;resize&quot;), else None.</extracomment>
        <translation>Seite</translation>
    </message>
    <message>
        <source>Drag on the page to draw a region; drag a region to move it, its handles to resize it.
Insert or N: new region in the middle of the visible page, with the task for new regions
Tab / Shift+Tab: select the next / previous region in reading order
Arrow keys: move the selected regions (Shift: larger steps)
Ctrl+arrow keys: resize the selected regions from the bottom-right corner (Shift: larger steps)
Del: delete the selected regions · 1-4: task · Space+drag: pan · Ctrl+wheel: zoom</source>
        <translation>Auf der Seite ziehen, um einen Bereich zu zeichnen; einen Bereich ziehen, um ihn zu verschieben, seine Griffe, um seine Größe zu ändern.
Einfg oder N: neuer Bereich in der Mitte des sichtbaren Seitenteils, mit der Aufgabe für neue Bereiche
Tab / Umschalt+Tab: nächsten / vorherigen Bereich in Lesereihenfolge auswählen
Pfeiltasten: ausgewählte Bereiche verschieben (Umschalt: größere Schritte)
Strg+Pfeiltasten: Größe der ausgewählten Bereiche an der unteren rechten Ecke ändern (Umschalt: größere Schritte)
Entf: ausgewählte Bereiche löschen · 1-4: Aufgabe · Leertaste+Ziehen: verschieben · Strg+Mausrad: zoomen</translation>
    </message>
</context>
<context>
    <name>PortalCapture</name>
    <message>
        <source>The screen cannot be read: there is no desktop session bus.</source>
        <translation>Der Bildschirm kann nicht gelesen werden: Es gibt keinen Sitzungsbus des Desktops.</translation>
    </message>
    <message>
        <source>The desktop&apos;s screenshot service is not available ({0}).</source>
        <translation>Der Bildschirmfoto-Dienst des Desktops ist nicht verfügbar ({0}).</translation>
    </message>
    <message>
        <source>The desktop&apos;s screenshot dialog did not answer.</source>
        <translation>Der Bildschirmfoto-Dialog des Desktops hat nicht geantwortet.</translation>
    </message>
    <message>
        <source>The desktop did not allow the screenshot.</source>
        <translation>Der Desktop hat das Bildschirmfoto nicht erlaubt.</translation>
    </message>
    <message>
        <source>no file</source>
        <translation>keine Datei</translation>
    </message>
    <message>
        <source>The screenshot could not be read ({0}).</source>
        <translation>Das Bildschirmfoto konnte nicht gelesen werden ({0}).</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <source>Each finished result is copied to the clipboard</source>
        <translation>Jedes fertige Ergebnis wird in die Zwischenablage kopiert</translation>
    </message>
    <message>
        <source>Finished results are no longer copied by themselves</source>
        <translation>Fertige Ergebnisse werden nicht mehr von selbst kopiert</translation>
    </message>
    <message>
        <source>Headers, footers and page numbers are kept from the next layout detection</source>
        <translation>Ab der nächsten Layouterkennung werden Kopf-, Fußzeilen und Seitenzahlen behalten</translation>
    </message>
    <message>
        <source>Headers, footers and page numbers are left out from the next layout detection</source>
        <translation>Ab der nächsten Layouterkennung werden Kopf-, Fußzeilen und Seitenzahlen weggelassen</translation>
    </message>
</context>
<context>
    <name>PreviewView</name>
    <message>
        <source>This part stopped the preview</source>
        <extracomment>At most ~30 page updates a second while streaming. While streaming, rendering takes at most about this share of the GUI thread&apos;s time. Renderer crashes less than this many seconds apart count as one run of crashes: the second one of a run shows everything the page holds as plain text; after the fourth the page is not reloaded.</extracomment>
        <translation>Dieser Teil hat die Vorschau abstürzen lassen</translation>
    </message>
    <message>
        <source>The preview stopped while showing this result; the part that stopped it is shown as plain text.</source>
        <extracomment>The page&apos;s renderer stopped (a message for the user, once per crash; the content that was being shown then is shown as plain text from now on and never sent to the page again). An update the page has not finished yet: the next one waits for it (back-pressure), so a slow block never piles up updates behind it. Only the newest state waits: streamed text in ``_pending``, other changes as the first block index that changed (``_held``).</extracomment>
        <translation>Die Vorschau ist beim Anzeigen dieses Ergebnisses abgestürzt; der verursachende Teil wird als reiner Text gezeigt.</translation>
    </message>
    <message>
        <source>The preview stopped while showing this result; it was reloaded.</source>
        <translation>Die Vorschau ist beim Anzeigen dieses Ergebnisses abgestürzt; sie wurde neu geladen.</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>Alles auswählen</translation>
    </message>
    <message>
        <source>Only web and mail links can be opened.</source>
        <extracomment>mailto: fields that make the mail program attach a file (Thunderbird, Evolution, KMail read them).</extracomment>
        <translation>Nur Web- und E-Mail-Links können geöffnet werden.</translation>
    </message>
    <message>
        <source>This mail link would attach a file from this computer; it is not opened.</source>
        <translation>Dieser E-Mail-Link würde eine Datei von diesem Computer anhängen; er wird nicht geöffnet.</translation>
    </message>
    <message>
        <source>The recognised text links to an e-mail address:

{0}

Open it in your mail program?</source>
        <translation>Der erkannte Text verweist auf eine E-Mail-Adresse:

{0}

Im E-Mail-Programm öffnen?</translation>
    </message>
    <message>
        <source>(no site)</source>
        <translation>(keine Website)</translation>
    </message>
    <message>
        <source>The recognised text links to the site:

    {0}
</source>
        <translation>Der erkannte Text verweist auf die Website:

    {0}
</translation>
    </message>
    <message>
        <source>Full address:
{0}
</source>
        <translation>Vollständige Adresse:
{0}
</translation>
    </message>
    <message>
        <source>Careful: “{0}@” in the address is not the site; the site is {1}.
</source>
        <translation>Vorsicht: „{0}@“ in der Adresse ist nicht die Website; die Website ist {1}.
</translation>
    </message>
    <message>
        <source>Open it in your browser?</source>
        <translation>Im Browser öffnen?</translation>
    </message>
    <message>
        <source>Link not opened</source>
        <translation>Link nicht geöffnet</translation>
    </message>
    <message>
        <source>Open link?</source>
        <translation>Link öffnen?</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Document run</source>
        <translation>Dokumentlauf</translation>
    </message>
    <message>
        <source>No document run yet</source>
        <translation>Noch kein Dokumentlauf</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>Finish the regions under way and start no new one</source>
        <translation>Laufende Bereiche fertigstellen und keinen neuen beginnen</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Stop the run; the pages read so far are kept</source>
        <translation>Lauf beenden; die bisher gelesenen Seiten bleiben erhalten</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>Seiten</translation>
    </message>
    <message>
        <source>Regions</source>
        <translation>Bereiche</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>Tempo</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Restzeit</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>Jetzt</translation>
    </message>
</context>
<context>
    <name>QtScreenCapture</name>
    <message>
        <source>The screen could not be read on this desktop.</source>
        <translation>Der Bildschirm konnte auf diesem Desktop nicht gelesen werden.</translation>
    </message>
</context>
<context>
    <name>RegionEdit</name>
    <message>
        <source>Draw Region</source>
        <extracomment>One region as it was (``TaskRegion.state()``): region, task, template, label, kind, source, edited. A page&apos;s regions as they were, in reading order.</extracomment>
        <translation>Bereich zeichnen</translation>
    </message>
    <message numerus="yes">
        <source>Add %n Regions</source>
        <translation>
            <numerusform>%n Bereich hinzufügen</numerusform>
            <numerusform>%n Bereiche hinzufügen</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete Region</source>
        <translation>Bereich löschen</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n Regions</source>
        <translation>
            <numerusform>%n Bereich löschen</numerusform>
            <numerusform>%n Bereiche löschen</numerusform>
        </translation>
    </message>
    <message>
        <source>Resize Region</source>
        <translation>Bereichsgröße ändern</translation>
    </message>
    <message>
        <source>Move Region</source>
        <translation>Bereich verschieben</translation>
    </message>
    <message numerus="yes">
        <source>Move %n Regions</source>
        <translation>
            <numerusform>%n Bereich verschieben</numerusform>
            <numerusform>%n Bereiche verschieben</numerusform>
        </translation>
    </message>
    <message>
        <source>Edit Regions</source>
        <translation>Bereiche bearbeiten</translation>
    </message>
</context>
<context>
    <name>Regions</name>
    <message>
        <source>New regions: {0}</source>
        <extracomment>What a region can be made in its menu: read with one of these tasks, or kept as a picture. The layout label a labelled region takes when its task changes to one its label does not read with.</extracomment>
        <translation>Neue Bereiche: {0}</translation>
    </message>
    <message>
        <source>Region {0} read as {1} · New regions: {1}</source>
        <translation>Bereich {0} wird als {1} gelesen · Neue Bereiche: {1}</translation>
    </message>
    <message>
        <source>{0} regions read as {1} · New regions: {1}</source>
        <translation>{0} Bereiche werden als {1} gelesen · Neue Bereiche: {1}</translation>
    </message>
    <message>
        <source>Add Whole-Page Region</source>
        <translation>Ganzseitigen Bereich hinzufügen</translation>
    </message>
    <message>
        <source>Deleted 1 region from the page (Undo brings it back)</source>
        <translation>1 Bereich von der Seite gelöscht (Rückgängig holt ihn zurück)</translation>
    </message>
    <message>
        <source>Deleted {0} regions from the page (Undo brings them back)</source>
        <translation>{0} Bereiche von der Seite gelöscht (Rückgängig holt sie zurück)</translation>
    </message>
    <message>
        <source>Add Region</source>
        <translation>Bereich hinzufügen</translation>
    </message>
    <message>
        <source>Region {0}: {1} % from the left, {2} % from the top, {3} % wide, {4} % high</source>
        <translation>Bereich {0}: {1} % von links, {2} % von oben, {3} % breit, {4} % hoch</translation>
    </message>
    <message>
        <source>Region {0}: a picture (kept, not read) · New regions: {1}</source>
        <translation>Bereich {0}: ein Bild (behalten, nicht gelesen) · Neue Bereiche: {1}</translation>
    </message>
    <message>
        <source>Region {0}: read as {1} · New regions: {2}</source>
        <translation>Bereich {0}: gelesen als {1} · Neue Bereiche: {2}</translation>
    </message>
    <message>
        <source>Detect Layout</source>
        <translation>Layout erkennen</translation>
    </message>
    <message>
        <source>Select two or more regions to merge them</source>
        <translation>Zwei oder mehr Bereiche auswählen, um sie zusammenzuführen</translation>
    </message>
    <message>
        <source>Merge Regions</source>
        <translation>Bereiche zusammenführen</translation>
    </message>
    <message>
        <source>Merged {0} regions into region {1}</source>
        <translation>{0} Bereiche zu Bereich {1} zusammengeführt</translation>
    </message>
    <message>
        <source>Move Earlier in Reading Order</source>
        <translation>In der Lesereihenfolge nach vorn</translation>
    </message>
    <message>
        <source>Move Later in Reading Order</source>
        <translation>In der Lesereihenfolge nach hinten</translation>
    </message>
    <message>
        <source>Moved earlier in the reading order</source>
        <translation>In der Lesereihenfolge nach vorn verschoben</translation>
    </message>
    <message>
        <source>Moved later in the reading order</source>
        <translation>In der Lesereihenfolge nach hinten verschoben</translation>
    </message>
    <message>
        <source>Keep as Picture</source>
        <translation>Als Bild behalten</translation>
    </message>
    <message>
        <source>Set Task: {0}</source>
        <translation>Aufgabe festlegen: {0}</translation>
    </message>
    <message>
        <source>Set Label: {0}</source>
        <translation>Layout-Bezeichnung festlegen: {0}</translation>
    </message>
    <message>
        <source>Picture (kept, not read)</source>
        <translation>Bild (behalten, nicht gelesen)</translation>
    </message>
    <message>
        <source>Layout &amp;Label</source>
        <translation>Layout-&amp;Bezeichnung</translation>
    </message>
</context>
<context>
    <name>RemoveResult</name>
    <message>
        <source>Remove Result from List</source>
        <translation>Ergebnis aus der Liste entfernen</translation>
    </message>
</context>
<context>
    <name>ResultCommands</name>
    <message>
        <source>Select a finished result to remove it from the list.</source>
        <translation>Wählen Sie ein fertiges Ergebnis, um es aus der Liste zu entfernen.</translation>
    </message>
    <message>
        <source>Removed {label} from the list (the history keeps it; Undo brings it back)</source>
        <translation>{label} aus der Liste entfernt (der Verlauf behält es; Rückgängig holt es zurück)</translation>
    </message>
    <message>
        <source>Removed {label} from the list (Undo brings it back)</source>
        <translation>{label} aus der Liste entfernt (Rückgängig holt es zurück)</translation>
    </message>
    <message>
        <source>Select a finished result to delete it from the history.</source>
        <translation>Wählen Sie ein fertiges Ergebnis, um es aus dem Verlauf zu löschen.</translation>
    </message>
    <message>
        <source>{label} is not in the history (Del removes it from the list).</source>
        <translation>{label} ist nicht im Verlauf (Entf entfernt es aus der Liste).</translation>
    </message>
    <message>
        <source>Deleted {label} from the history</source>
        <translation>{label} aus dem Verlauf gelöscht</translation>
    </message>
    <message>
        <source>There is no result of this document to save yet.</source>
        <translation>Von diesem Dokument gibt es noch kein Ergebnis zum Speichern.</translation>
    </message>
    <message>
        <source>There is no result to save yet.</source>
        <translation>Es gibt noch kein Ergebnis zum Speichern.</translation>
    </message>
    <message>
        <source>Save results of {name}</source>
        <translation>Ergebnisse von {name} speichern</translation>
    </message>
    <message>
        <source>Markdown (*.md);;JSON (*.json)</source>
        <translation>Markdown (*.md);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not save {path}: {error}</source>
        <translation>{path} konnte nicht gespeichert werden: {error}</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n result(s) to {path}</source>
        <translation>
            <numerusform>%n Ergebnis in {path} gespeichert</numerusform>
            <numerusform>%n Ergebnisse in {path} gespeichert</numerusform>
        </translation>
    </message>
    <message>
        <source>Page {n}</source>
        <translation>Seite {n}</translation>
    </message>
    <message>
        <source>Open its document again to run this result again.</source>
        <translation>Öffnen Sie sein Dokument erneut, um dieses Ergebnis erneut zu erkennen.</translation>
    </message>
</context>
<context>
    <name>ResultPane</name>
    <message>
        <source>queued</source>
        <extracomment>A result&apos;s state as its row says it (shown translated).</extracomment>
        <translation>in der Warteschlange</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>loop cut</source>
        <translation>Schleife abgeschnitten</translation>
    </message>
    <message>
        <source>The model started repeating itself; the repeated part was removed.</source>
        <translation>Das Modell hat begonnen, sich zu wiederholen; der wiederholte Teil wurde entfernt.</translation>
    </message>
    <message>
        <source>token limit reached</source>
        <translation>Token-Grenze erreicht</translation>
    </message>
    <message>
        <source>The output reached its token limit and may be incomplete.</source>
        <translation>Die Ausgabe hat ihre Token-Grenze erreicht und ist möglicherweise unvollständig.</translation>
    </message>
    <message>
        <source>Results</source>
        <extracomment>The most tokens &quot;Run again with more tokens&quot; asks for. Where a tree row keeps the id of its entry (&quot;&quot; for a document&apos;s row).</extracomment>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the text selected in the preview, else the selected result in its natural format, also while it arrives (Ctrl+C)</source>
        <translation>Den in der Vorschau ausgewählten Text kopieren, sonst das ausgewählte Ergebnis in seinem natürlichen Format, auch während es eintrifft (Strg+C)</translation>
    </message>
    <message>
        <source>Copy As</source>
        <translation>Kopieren als</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>Save the shown document&apos;s results (the latest run of each region) as Markdown or JSON, named after it</source>
        <translation>Die Ergebnisse des angezeigten Dokuments (den neuesten Lauf jedes Bereichs) als Markdown oder JSON speichern, nach dem Dokument benannt</translation>
    </message>
    <message>
        <source>Remove the selected result from the list; the history keeps it (Del; Undo brings it back)</source>
        <translation>Das ausgewählte Ergebnis aus der Liste entfernen; der Verlauf behält es (Entf; Rückgängig holt es zurück)</translation>
    </message>
    <message>
        <source>Remove result from list</source>
        <translation>Ergebnis aus der Liste entfernen</translation>
    </message>
    <message>
        <source>No results yet.
Draw a region on the page (Ctrl+A: whole page), pick a task (1-4)
and press Run (Ctrl+Enter).</source>
        <translation>Noch keine Ergebnisse.
Ziehen Sie einen Bereich auf der Seite auf (Strg+A: ganze Seite), wählen Sie eine Aufgabe (1–4)
und drücken Sie „Erkennen“ (Strg+Eingabe).</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Feld</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>The recognised text appears here; edit it and the preview follows.</source>
        <translation>Der erkannte Text erscheint hier; bearbeiten Sie ihn, und die Vorschau folgt.</translation>
    </message>
    <message>
        <source>Run again with more tokens</source>
        <translation>Mit mehr Tokens erneut erkennen</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Vorschau</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Quelltext</translation>
    </message>
    <message>
        <source>Other results</source>
        <translation>Weitere Ergebnisse</translation>
    </message>
    <message>
        <source> · {0} tokens</source>
        <translation> · {0} Tokens</translation>
    </message>
    <message>
        <source>earlier run: {label}</source>
        <translation>früherer Lauf: {label}</translation>
    </message>
    <message>
        <source> · {n} versions</source>
        <translation> · {n} Versionen</translation>
    </message>
    <message>
        <source>Incomplete: {0}.</source>
        <translation>Unvollständig: {0}.</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>Erneut erkennen</translation>
    </message>
    <message>
        <source>It already had {0:,} tokens, the most a re-run asks for ({1:,})</source>
        <translation>Es hatte bereits {0:,} Tokens, das Höchste, was eine erneute Erkennung anfordert ({1:,})</translation>
    </message>
    <message>
        <source>Read this region again with a limit of {0:,} tokens (twice {1:,}); the new result goes next to this one</source>
        <translation>Diesen Bereich erneut mit einer Grenze von {0:,} Tokens lesen (doppelt {1:,}); das neue Ergebnis kommt neben dieses</translation>
    </message>
    <message>
        <source>Read this region again (limit {0:,} tokens); the new result goes next to this one</source>
        <translation>Diesen Bereich erneut lesen (Grenze {0:,} Tokens); das neue Ergebnis kommt neben dieses</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopieren</translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation>Kopieren &amp;als</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>Alles aus&amp;wählen</translation>
    </message>
    <message>
        <source>the selection of </source>
        <translation>die Auswahl aus </translation>
    </message>
    <message>
        <source>Could not copy: {error}</source>
        <translation>Kopieren nicht möglich: {error}</translation>
    </message>
    <message>
        <source>A table of {label} is too large to expand its merged cells; each cell was copied once.</source>
        <translation>Eine Tabelle von {label} ist zu groß, um ihre verbundenen Zellen aufzulösen; jede Zelle wurde einmal kopiert.</translation>
    </message>
    <message>
        <source>, so far</source>
        <translation>, bisher</translation>
    </message>
    <message>
        <source>Copied {what}{label} ({kinds}{partial})</source>
        <translation>Kopiert: {what}{label} ({kinds}{partial})</translation>
    </message>
</context>
<context>
    <name>RunDocumentDialog</name>
    <message>
        <source>Run Document</source>
        <translation>Dokument ausführen</translation>
    </message>
    <message>
        <source>Pages with regions are read in their regions; the others through the layout model (or whole when it is not installed).</source>
        <translation>Seiten mit Bereichen werden in ihren Bereichen gelesen, die übrigen über das Layoutmodell (oder ganz, wenn es nicht installiert ist).</translation>
    </message>
    <message>
        <source>All 1 page of {0}</source>
        <translation>Die 1 Seite von {0}</translation>
    </message>
    <message numerus="yes">
        <source>All %n pages of {0}</source>
        <translation>
            <numerusform>Alle %n Seiten von {0}</numerusform>
            <numerusform>Alle %n Seiten von {0}</numerusform>
        </translation>
    </message>
    <message>
        <source>Pages:</source>
        <translation>Seiten:</translation>
    </message>
    <message>
        <source>e.g. 1-3,7 (1 to {0})</source>
        <translation>z. B. 1-3,7 (1 bis {0})</translation>
    </message>
    <message>
        <source>Every open document ({0})</source>
        <translation>Alle geöffneten Dokumente ({0})</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Ausführen</translation>
    </message>
</context>
<context>
    <name>Runs</name>
    <message>
        <source>The model is not loaded.</source>
        <translation>Das Modell ist nicht geladen.</translation>
    </message>
    <message>
        <source>The model is needed to recognise text.</source>
        <translation>Zum Erkennen von Text wird das Modell benötigt.</translation>
    </message>
    <message numerus="yes">
        <source>Queued %n job(s)</source>
        <translation>
            <numerusform>%n Auftrag in der Warteschlange</numerusform>
            <numerusform>%n Aufträge in der Warteschlange</numerusform>
        </translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Wird angehalten…</translation>
    </message>
    <message>
        <source>Recognising {0}…</source>
        <translation>Erkenne {0}…</translation>
    </message>
    <message>
        <source>{0:.1f} tok/s · {1} tokens</source>
        <translation>{0:.1f} Tok./s · {1} Tokens</translation>
    </message>
    <message>
        <source>{0} tokens</source>
        <translation>{0} Tokens</translation>
    </message>
    <message>
        <source>Done: {0} (stopped)</source>
        <translation>Fertig: {0} (angehalten)</translation>
    </message>
    <message>
        <source>Done: {0} ({1})</source>
        <translation>Fertig: {0} ({1})</translation>
    </message>
    <message>
        <source>Done: {0}</source>
        <translation>Fertig: {0}</translation>
    </message>
</context>
<context>
    <name>ScreenSnip</name>
    <message>
        <source>Snip cancelled.</source>
        <translation>Ausschnitt abgebrochen.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>automatisch</translation>
    </message>
    <message>
        <source>Task default</source>
        <translation>Standard der Aufgabe</translation>
    </message>
    <message>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <source>system</source>
        <translation>System</translation>
    </message>
    <message>
        <source>light</source>
        <translation>hell</translation>
    </message>
    <message>
        <source>dark</source>
        <translation>dunkel</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Systemstandard</translation>
    </message>
    <message>
        <source>Takes effect when the app starts again.</source>
        <translation>Wird beim nächsten Start der App wirksam.</translation>
    </message>
    <message>
        <source>PP-DocLayoutV3 from the Hugging Face cache</source>
        <translation>PP-DocLayoutV3 aus dem Hugging-Face-Cache</translation>
    </message>
    <message>
        <source>Model (hub id or folder)</source>
        <translation>Modell (Hub-ID oder Ordner)</translation>
    </message>
    <message>
        <source>Layout model (hub id or folder)</source>
        <translation>Layoutmodell (Hub-ID oder Ordner)</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>Max. neue Tokens</translation>
    </message>
    <message>
        <source>Recognition DPI</source>
        <translation>Erkennungs-DPI</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>General</source>
        <translation>Allgemein</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>Engine</translation>
    </message>
</context>
<context>
    <name>SnipOverlay</name>
    <message>
        <source>Drag around what to read  ·  Esc to cancel</source>
        <translation>Rahmen um den zu lesenden Teil ziehen  ·  Esc zum Abbrechen</translation>
    </message>
</context>
<context>
    <name>SourceEdit</name>
    <message>
        <source>Edit Result Source</source>
        <translation>Ergebnisquelle bearbeiten</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Getting faster…</source>
        <extracomment>What the speed label says (words for the user, not the engine&apos;s states; shown translated).</extracomment>
        <translation>Wird schneller…</translation>
    </message>
    <message>
        <source>Full speed</source>
        <translation>Volle Geschwindigkeit</translation>
    </message>
    <message>
        <source>Standard speed</source>
        <translation>Standardgeschwindigkeit</translation>
    </message>
    <message>
        <source>Ready</source>
        <extracomment>The zoom menu&apos;s fixed steps, in per cent.</extracomment>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Page </source>
        <translation>Seite </translation>
    </message>
    <message>
        <source>The page shown; type a page number and press Enter to go there</source>
        <translation>Die angezeigte Seite; eine Seitenzahl eingeben und Eingabe drücken, um dorthin zu gehen</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <source>The page&apos;s zoom; click to choose another</source>
        <translation>Der Zoom der Seite; klicken, um einen anderen zu wählen</translation>
    </message>
    <message>
        <source> of {0}</source>
        <translation> von {0}</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>Modell wird geladen…</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Das Modell wird geladen…</translation>
    </message>
    <message>
        <source>Model ready</source>
        <translation>Modell bereit</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>Kein Modell</translation>
    </message>
    <message>
        <source>The GLM-OCR model is not on this computer yet.</source>
        <translation>Das GLM-OCR-Modell ist noch nicht auf diesem Computer.</translation>
    </message>
    <message>
        <source>Model failed</source>
        <translation>Modellfehler</translation>
    </message>
    <message>
        <source>The model could not be loaded.</source>
        <translation>Das Modell konnte nicht geladen werden.</translation>
    </message>
    <message>
        <source>The GPU decoder is being prepared; recognition works meanwhile and speeds up when it is ready.</source>
        <translation>Der GPU-Decoder wird vorbereitet; die Erkennung läuft währenddessen und wird schneller, sobald er bereit ist.</translation>
    </message>
    <message>
        <source>Recognition runs on the prepared GPU decoder.</source>
        <translation>Die Erkennung läuft auf dem vorbereiteten GPU-Decoder.</translation>
    </message>
    <message>
        <source>Recognition runs at the standard speed of transformers generate.</source>
        <translation>Die Erkennung läuft mit der Standardgeschwindigkeit von transformers generate.</translation>
    </message>
</context>
<context>
    <name>StoreBanner</name>
    <message>
        <source>Results database (*.sqlite3);;JSON (*.json)</source>
        <translation>Ergebnisdatenbank (*.sqlite3);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Save 1 unsaved result to</source>
        <translation>1 ungespeichertes Ergebnis speichern unter</translation>
    </message>
    <message numerus="yes">
        <source>Save %n unsaved results to</source>
        <translation>
            <numerusform>%n ungespeichertes Ergebnis speichern unter</numerusform>
            <numerusform>%n ungespeicherte Ergebnisse speichern unter</numerusform>
        </translation>
    </message>
    <message>
        <source>Save unsaved results to…</source>
        <translation>Ungespeicherte Ergebnisse speichern unter…</translation>
    </message>
    <message>
        <source>Recover results</source>
        <translation>Ergebnisse wiederherstellen</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>Nicht jetzt</translation>
    </message>
    <message>
        <source> (and 1 older file)</source>
        <translation> (und 1 ältere Datei)</translation>
    </message>
    <message numerus="yes">
        <source> (and %n older files)</source>
        <translation>
            <numerusform> (und %n ältere Datei)</numerusform>
            <numerusform> (und %n ältere Dateien)</numerusform>
        </translation>
    </message>
    <message>
        <source>Recovering results…</source>
        <translation>Ergebnisse werden wiederhergestellt…</translation>
    </message>
    <message>
        <source>An earlier results database was damaged and moved aside as {0}{1}. What can still be read from it can be added back to your history.</source>
        <translation>Eine frühere Ergebnisdatenbank war beschädigt und wurde als {0}{1} beiseitegelegt. Was sich daraus noch lesen lässt, kann wieder in den Verlauf übernommen werden.</translation>
    </message>
    <message>
        <source>Nothing is waiting to be saved.</source>
        <translation>Es wartet nichts darauf, gespeichert zu werden.</translation>
    </message>
    <message>
        <source>Nothing could be recovered from {0}: {1}</source>
        <translation>Aus {0} konnte nichts wiederhergestellt werden: {1}</translation>
    </message>
    <message>
        <source>; 1 damaged row could not be read</source>
        <translation>; 1 beschädigte Zeile konnte nicht gelesen werden</translation>
    </message>
    <message numerus="yes">
        <source>; %n damaged rows could not be read</source>
        <translation>
            <numerusform>; %n beschädigte Zeile konnte nicht gelesen werden</numerusform>
            <numerusform>; %n beschädigte Zeilen konnten nicht gelesen werden</numerusform>
        </translation>
    </message>
    <message>
        <source>1 result recovered from {0} and added to the history{1}.</source>
        <translation>1 Ergebnis aus {0} wiederhergestellt und dem Verlauf hinzugefügt{1}.</translation>
    </message>
    <message numerus="yes">
        <source>%n results recovered from {0} and added to the history{1}.</source>
        <translation>
            <numerusform>%n Ergebnis aus {0} wiederhergestellt und dem Verlauf hinzugefügt{1}.</numerusform>
            <numerusform>%n Ergebnisse aus {0} wiederhergestellt und dem Verlauf hinzugefügt{1}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StorePersistence</name>
    <message>
        <source>region {0}</source>
        <extracomment>How long opening the store waits on a database another program holds locked before moving it aside. A stored row as the result list shows it: a job that never finished here is a stopped one. How many of a document&apos;s past results come back when it is opened again. Something the user must hear about opening it (a damaged database moved aside), or &quot;&quot;.</extracomment>
        <translation>Bereich {0}</translation>
    </message>
    <message>
        <source>p.{0}</source>
        <translation>S. {0}</translation>
    </message>
    <message>
        <source>The unsaved results could not be saved to {0}: {1}</source>
        <translation>Die ungespeicherten Ergebnisse konnten nicht unter {0} gespeichert werden: {1}</translation>
    </message>
    <message>
        <source> They are also still written to the results database once it works.</source>
        <translation> Sie werden außerdem weiterhin in die Ergebnisdatenbank geschrieben, sobald sie funktioniert.</translation>
    </message>
    <message>
        <source>1 unsaved result saved to {0}.{1}</source>
        <translation>1 ungespeichertes Ergebnis unter {0} gespeichert.{1}</translation>
    </message>
    <message numerus="yes">
        <source>%n unsaved results saved to {0}.{1}</source>
        <translation>
            <numerusform>%n ungespeichertes Ergebnis unter {0} gespeichert.{1}</numerusform>
            <numerusform>%n ungespeicherte Ergebnisse unter {0} gespeichert.{1}</numerusform>
        </translation>
    </message>
    <message>
        <source>the results database could not be written</source>
        <translation>die Ergebnisdatenbank konnte nicht beschrieben werden</translation>
    </message>
    <message>
        <source>1 result could not be written to the results database ({0}). They were kept in {1} and are added back at the next start.</source>
        <translation>1 Ergebnis konnte nicht in die Ergebnisdatenbank geschrieben werden ({0}). Es wurde in {1} aufbewahrt und beim nächsten Start wieder übernommen.</translation>
    </message>
    <message numerus="yes">
        <source>%n results could not be written to the results database ({0}). They were kept in {1} and are added back at the next start.</source>
        <translation>
            <numerusform>%n Ergebnis konnte nicht in die Ergebnisdatenbank geschrieben werden ({0}). Es wurde in {1} aufbewahrt und beim nächsten Start wieder übernommen.</numerusform>
            <numerusform>%n Ergebnisse konnten nicht in die Ergebnisdatenbank geschrieben werden ({0}). Sie wurden in {1} aufbewahrt und beim nächsten Start wieder übernommen.</numerusform>
        </translation>
    </message>
    <message>
        <source>1 result could not be saved ({0}).</source>
        <translation>1 Ergebnis konnte nicht gespeichert werden ({0}).</translation>
    </message>
    <message numerus="yes">
        <source>%n results could not be saved ({0}).</source>
        <translation>
            <numerusform>%n Ergebnis konnte nicht gespeichert werden ({0}).</numerusform>
            <numerusform>%n Ergebnisse konnten nicht gespeichert werden ({0}).</numerusform>
        </translation>
    </message>
    <message>
        <source>They were not saved.</source>
        <translation>Sie wurden nicht gespeichert.</translation>
    </message>
</context>
<context>
    <name>Task</name>
    <message>
        <source>Text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>Formula</source>
        <translation>Formel</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>Tabelle</translation>
    </message>
    <message>
        <source>Extraction</source>
        <translation>Extraktion</translation>
    </message>
</context>
<context>
    <name>TemplateDialog</name>
    <message>
        <source>Extraction template</source>
        <translation>Extraktionsvorlage</translation>
    </message>
    <message>
        <source>Start from…</source>
        <translation>Beginnen mit…</translation>
    </message>
    <message>
        <source>Invoice</source>
        <translation>Rechnung</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>Quittung</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>Ausweis</translation>
    </message>
    <message>
        <source>Business card</source>
        <translation>Visitenkarte</translation>
    </message>
    <message>
        <source>A JSON object whose values are empty strings; the model fills them in.</source>
        <translation>Ein JSON-Objekt, dessen Werte leere Zeichenketten sind; das Modell füllt sie aus.</translation>
    </message>
</context>
</TS>
