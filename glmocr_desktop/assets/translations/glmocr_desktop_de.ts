<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Documents</source>
        <extracomment>The first start&apos;s window at most, and the share of the screen&apos;s free area it takes when that is smaller. The narrowest the page view, the results pane and its preview may be made (the splitter stops there).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open or drop a scan, photo or PDF</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Ctrl+O to open · Ctrl+V to paste an image · then draw regions and press Ctrl+Enter</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Actions</name>
    <message>
        <source>&amp;Save Results…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save the shown document&apos;s results (the latest run of each region), named after it</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the text selected in the preview, else the whole result (also while it is still arriving)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy Each Result When &amp;Done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Put every result on the clipboard as soon as it is finished</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Follow the system&apos;s light or dark setting</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Page view</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Zoom, fit and rotate the page</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ContextMenus</name>
    <message>
        <source>Run Whole Page &amp;As</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy Page &amp;Image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The page&apos;s picture is not ready yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied the page&apos;s picture</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show in &amp;Folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy &amp;Path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Save Results of This Document…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show on &amp;Page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run &amp;Again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run Again with &amp;More Tokens ({n:,})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Each finished result is copied to the clipboard</source>
        <extracomment>The window and, re-exported, its first-start geometry and the panes&apos; least widths. Only the types the opener really opens (core.formats is the one list of them).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished results are no longer copied by themselves</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Navigation</name>
    <message>
        <source>1 page</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{n} pages</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{name} was not opened (it needs a password).</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultCommands</name>
    <message>
        <source>Select a finished result to remove it from the list.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {label} from the list (the history keeps it; Undo brings it back)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Removed {label} from the list (Undo brings it back)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a finished result to delete it from the history.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{label} is not in the history (Del removes it from the list).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deleted {label} from the history</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no result of this document to save yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>There is no result to save yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save results of {name}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Markdown (*.md);;JSON (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not save {path}: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Saved {n} result(s) to {path}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open its document again to run this result again.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultPane</name>
    <message>
        <source>Other results</source>
        <extracomment>The most tokens &quot;Run again with more tokens&quot; asks for. Where a tree row keeps the id of its entry (&quot;&quot; for a document&apos;s row).</extracomment>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>earlier run: {label}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> · {n} versions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the selection of </source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Could not copy: {error}</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>, so far</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied {what}{label} ({kinds}{partial})</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
