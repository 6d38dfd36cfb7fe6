<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Actions</name>
    <message>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <source>Open files</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>&amp;Paste Image</source>
        <translation>粘贴图像(&amp;P)</translation>
    </message>
    <message>
        <source>Paste an image from the clipboard</source>
        <translation>从剪贴板粘贴图像</translation>
    </message>
    <message>
        <source>S&amp;nip Screen…</source>
        <translation>屏幕截取(&amp;N)…</translation>
    </message>
    <message>
        <source>Capture a rectangle of the screen as a new document, ready to run</source>
        <translation>将屏幕上的矩形区域截取为新文档，可直接识别</translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation>保存结果(&amp;S)…</translation>
    </message>
    <message>
        <source>Save the shown document&apos;s results (the latest run of each region), named after it</source>
        <translation>保存当前文档的结果（每个区域的最新一次识别），以文档命名</translation>
    </message>
    <message>
        <source>&amp;Close Document</source>
        <translation>关闭文档(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Copy Result</source>
        <translation>复制结果(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the text selected in the preview, else the whole result (also while it is still arriving)</source>
        <translation>复制预览中选中的文本，否则复制整个结果（结果仍在生成时也可以）</translation>
    </message>
    <message>
        <source>Copy Each Result When &amp;Done</source>
        <translation>每个结果完成时自动复制(&amp;D)</translation>
    </message>
    <message>
        <source>Put every result on the clipboard as soon as it is finished</source>
        <translation>每个结果完成后立即放入剪贴板</translation>
    </message>
    <message>
        <source>&amp;System</source>
        <translation>跟随系统(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Light</source>
        <translation>浅色(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Dark</source>
        <translation>深色(&amp;D)</translation>
    </message>
    <message>
        <source>Follow the system&apos;s light or dark setting</source>
        <translation>跟随系统的浅色或深色设置</translation>
    </message>
    <message>
        <source>Zoom &amp;In</source>
        <translation>放大(&amp;I)</translation>
    </message>
    <message>
        <source>Zoom &amp;Out</source>
        <translation>缩小(&amp;O)</translation>
    </message>
    <message>
        <source>Fit &amp;Width</source>
        <translation>适合宽度(&amp;K)</translation>
    </message>
    <message>
        <source>Fit &amp;Page</source>
        <translation>适合页面(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Rotate Page</source>
        <translation>旋转页面(&amp;E)</translation>
    </message>
    <message>
        <source>Rotate the page clockwise</source>
        <translation>顺时针旋转页面</translation>
    </message>
    <message>
        <source>Previous Page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <source>Next Page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <source>&amp;Whole Page Region</source>
        <translation>整页区域(&amp;H)</translation>
    </message>
    <message>
        <source>Make the whole page one region</source>
        <translation>将整个页面设为一个区域</translation>
    </message>
    <message>
        <source>&amp;Delete Selected Regions</source>
        <translation>删除所选区域(&amp;D)</translation>
    </message>
    <message>
        <source>Delete the selected regions from the page (Undo brings them back)</source>
        <translation>从页面删除所选区域（撤销可恢复）</translation>
    </message>
    <message>
        <source>&amp;Remove Result from List</source>
        <translation>从列表中移除结果(&amp;M)</translation>
    </message>
    <message>
        <source>Take the selected result off the list; the history keeps it (Undo brings it back)</source>
        <translation>将所选结果从列表中移除；历史记录仍保留它（撤销可恢复）</translation>
    </message>
    <message>
        <source>Delete Result from &amp;History…</source>
        <translation>从历史记录中删除结果(&amp;H)…</translation>
    </message>
    <message>
        <source>Delete the selected result from the history for good (asks first)</source>
        <translation>从历史记录中永久删除所选结果（会先询问）</translation>
    </message>
    <message>
        <source>Detect &amp;Layout</source>
        <translation>检测版面(&amp;L)</translation>
    </message>
    <message>
        <source>Find this page&apos;s titles, paragraphs, tables, formulas and pictures as regions</source>
        <translation>将本页的标题、段落、表格、公式和图片识别为区域</translation>
    </message>
    <message>
        <source>Detect Layout of &amp;Every Page</source>
        <translation>检测每一页的版面(&amp;P)</translation>
    </message>
    <message>
        <source>Find the layout of every page of the document</source>
        <translation>检测文档每一页的版面</translation>
    </message>
    <message>
        <source>&amp;Keep Headers, Footers and Page Numbers</source>
        <translation>保留页眉、页脚和页码(&amp;K)</translation>
    </message>
    <message>
        <source>Detect Layout also places page headers, footers, page numbers and notes</source>
        <translation>检测版面时也放置页眉、页脚、页码和注释</translation>
    </message>
    <message>
        <source>&amp;Merge Regions</source>
        <translation>合并区域(&amp;M)</translation>
    </message>
    <message>
        <source>Make the selected regions one region (their bounding box)</source>
        <translation>将所选区域合并为一个区域（它们的外接矩形）</translation>
    </message>
    <message>
        <source>Move &amp;Earlier</source>
        <translation>前移(&amp;E)</translation>
    </message>
    <message>
        <source>Move the selected regions earlier in the reading order</source>
        <translation>在阅读顺序中前移所选区域</translation>
    </message>
    <message>
        <source>Move &amp;Later</source>
        <translation>后移(&amp;N)</translation>
    </message>
    <message>
        <source>Move the selected regions later in the reading order</source>
        <translation>在阅读顺序中后移所选区域</translation>
    </message>
    <message>
        <source>Extraction &amp;Template…</source>
        <translation>提取模板(&amp;T)…</translation>
    </message>
    <message>
        <source>Edit the JSON template for extraction</source>
        <translation>编辑用于信息提取的 JSON 模板</translation>
    </message>
    <message>
        <source>&amp;Run Selected</source>
        <translation>识别所选(&amp;R)</translation>
    </message>
    <message>
        <source>Recognise the selected regions</source>
        <translation>识别所选区域</translation>
    </message>
    <message>
        <source>Run &amp;All Regions</source>
        <translation>识别所有区域(&amp;A)</translation>
    </message>
    <message>
        <source>Recognise every region of this page</source>
        <translation>识别本页的每个区域</translation>
    </message>
    <message>
        <source>Run &amp;Whole Page</source>
        <translation>识别整页(&amp;W)</translation>
    </message>
    <message>
        <source>Recognise the whole page as text (Run Whole Page As for another task)</source>
        <translation>将整页作为文本识别（其他任务请用“整页识别为”）</translation>
    </message>
    <message>
        <source>Recognise the whole page with the {0} task</source>
        <translation>用“{0}”任务识别整页</translation>
    </message>
    <message>
        <source>Run &amp;Document…</source>
        <translation>识别文档(&amp;D)…</translation>
    </message>
    <message>
        <source>Read whole documents: every page, a page range or every open document</source>
        <translation>识别整个文档：所有页面、页面范围或所有已打开的文档</translation>
    </message>
    <message>
        <source>&amp;Export Document…</source>
        <translation>导出文档(&amp;E)…</translation>
    </message>
    <message>
        <source>Save the assembled document as Markdown, JSON, Word or searchable PDF</source>
        <translation>将整合后的文档保存为 Markdown、JSON、Word 或可搜索 PDF</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>Stop recognition</source>
        <translation>停止识别</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;T)…</translation>
    </message>
    <message>
        <source>&amp;Model…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <source>Choose or download the model</source>
        <translation>选择或下载模型</translation>
    </message>
    <message>
        <source>&amp;Reload Model</source>
        <translation>重新加载模型(&amp;L)</translation>
    </message>
    <message>
        <source>{0}: the task for new regions; with regions selected, they are read as {0} too</source>
        <translation>{0}：新区域的任务；若已选中区域，它们也将按“{0}”识别</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <source>More menus</source>
        <translation>更多菜单</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation>复制为(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Theme</source>
        <translation>主题(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Region</source>
        <translation>区域(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>识别(&amp;R)</translation>
    </message>
    <message>
        <source>Run Whole Page &amp;As</source>
        <translation>整页识别为(&amp;S)</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>More tools</source>
        <translation>更多工具</translation>
    </message>
    <message>
        <source>Page view</source>
        <translation>页面视图</translation>
    </message>
    <message>
        <source>Zoom, fit and rotate the page</source>
        <translation>缩放、适合和旋转页面</translation>
    </message>
    <message>
        <source> New regions: </source>
        <translation> 新区域：</translation>
    </message>
    <message>
        <source>The task buttons set the task for new regions; with regions selected, they set those regions&apos; task too (keys 1-4 on the page)</source>
        <translation>任务按钮设置新区域的任务；若已选中区域，也会设置这些区域的任务（在页面上按 1-4 键）</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>识别</translation>
    </message>
    <message>
        <source>Run all</source>
        <translation>全部识别</translation>
    </message>
    <message>
        <source>Document</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>版面</translation>
    </message>
    <message>
        <source>History of results (Ctrl+H)</source>
        <translation>结果历史记录（Ctrl+H）</translation>
    </message>
    <message>
        <source>No recent files</source>
        <translation>没有最近打开的文件</translation>
    </message>
    <message>
        <source>Clear list</source>
        <translation>清除列表</translation>
    </message>
    <message>
        <source>No result selected</source>
        <translation>未选择结果</translation>
    </message>
</context>
<context>
    <name>Clipboard</name>
    <message>
        <source>Plain text</source>
        <extracomment>The Copy As formats&apos; names (``core.exports`` names them in English), for the translation catalogues.</extracomment>
        <translation>纯文本</translation>
    </message>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>Formatted text (HTML)</source>
        <translation>格式化文本（HTML）</translation>
    </message>
    <message>
        <source>LaTeX</source>
        <translation>LaTeX</translation>
    </message>
    <message>
        <source>LaTeX with $$ delimiters</source>
        <translation>带 $$ 分隔符的 LaTeX</translation>
    </message>
    <message>
        <source>MathML</source>
        <translation>MathML</translation>
    </message>
    <message>
        <source>Table (HTML + TSV)</source>
        <translation>表格（HTML + TSV）</translation>
    </message>
    <message>
        <source>Tab-separated values</source>
        <translation>制表符分隔值</translation>
    </message>
    <message>
        <source>Markdown table</source>
        <translation>Markdown 表格</translation>
    </message>
    <message>
        <source>HTML source</source>
        <translation>HTML 源代码</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Fields (TSV)</source>
        <translation>字段（TSV）</translation>
    </message>
</context>
<context>
    <name>ContextMenus</name>
    <message>
        <source>Run Whole Page &amp;As</source>
        <translation>整页识别为(&amp;S)</translation>
    </message>
    <message>
        <source>Copy Page &amp;Image</source>
        <translation>复制页面图像(&amp;I)</translation>
    </message>
    <message>
        <source>The page&apos;s picture is not ready yet.</source>
        <translation>页面图像尚未就绪。</translation>
    </message>
    <message>
        <source>Copied the page&apos;s picture</source>
        <translation>已复制页面图像</translation>
    </message>
    <message>
        <source>&amp;Save Results…</source>
        <translation>保存结果(&amp;S)…</translation>
    </message>
    <message>
        <source>Show in &amp;Folder</source>
        <translation>在文件夹中显示(&amp;F)</translation>
    </message>
    <message>
        <source>Copy &amp;Path</source>
        <translation>复制路径(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Save Results of This Document…</source>
        <translation>保存此文档的结果(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation>复制为(&amp;A)</translation>
    </message>
    <message>
        <source>Show on &amp;Page</source>
        <translation>在页面上显示(&amp;P)</translation>
    </message>
    <message>
        <source>Run &amp;Again</source>
        <translation>重新识别(&amp;R)</translation>
    </message>
    <message>
        <source>Run Again with &amp;More Tokens ({n:,})</source>
        <translation>用更多 token 重新识别(&amp;T)（{n:,}）</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <source>“{0}” is protected by a password.</source>
        <translation>“{0}”受密码保护。</translation>
    </message>
    <message>
        <source>That password did not open “{0}”. Try again.</source>
        <translation>该密码无法打开“{0}”。请重试。</translation>
    </message>
    <message>
        <source>Password required</source>
        <translation>需要密码</translation>
    </message>
    <message>
        <source>Replace edited regions?</source>
        <translation>替换已编辑的区域？</translation>
    </message>
    <message>
        <source>You edited the detected regions of page {0}.</source>
        <translation>您编辑过第 {0} 页上检测到的区域。</translation>
    </message>
    <message>
        <source>You edited the detected regions of pages {0}.</source>
        <translation>您编辑过第 {0} 页上检测到的区域。</translation>
    </message>
    <message>
        <source>Detecting the layout again replaces them (regions you drew stay).</source>
        <translation>重新检测版面会替换这些区域（您自己绘制的区域会保留）。</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Keep edited pages</source>
        <translation>保留已编辑的页面</translation>
    </message>
    <message>
        <source>Delete from history?</source>
        <translation>从历史记录中删除？</translation>
    </message>
    <message>
        <source>Delete {0} from the history?</source>
        <translation>从历史记录中删除 {0}？</translation>
    </message>
    <message>
        <source>It is deleted for good: Undo cannot bring it back. (Del only takes a result off the list.)</source>
        <translation>将被永久删除：撤销也无法恢复。（Del 键只会把结果从列表中移除。）</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Not valid JSON: {0} (line {1}, column {2}).</source>
        <translation>不是有效的 JSON：{0}（第 {1} 行，第 {2} 列）。</translation>
    </message>
</context>
<context>
    <name>DocumentRunner</name>
    <message>
        <source>The layout model is not on this computer, so pages without regions are read whole with one prompt. {0}</source>
        <extracomment>Seconds between two event batches sent to the GUI. Pages begun before a restart: ``(key, page) -&gt; core.store.runs.RunPage``; what they had read is merged with what is read now (only their blocks left are asked for, as ``regions``). Pages done before a restart, ``(key, RunPage)``: handed back as PageReady first, not read again.</extracomment>
        <translation>此计算机上没有版面模型，因此没有区域的页面将以单个提示整页识别。{0}</translation>
    </message>
    <message>
        <source>The layout model could not be loaded ({0}); pages without regions are read whole.</source>
        <translation>无法加载版面模型（{0}）；没有区域的页面将整页识别。</translation>
    </message>
</context>
<context>
    <name>DocumentRuns</name>
    <message>
        <source>A document run is already under way.</source>
        <extracomment>How often the progress panel and the document view are refreshed while a run goes on (ms). Asked before resuming a run at start-up; tests replace it.</extracomment>
        <translation>已有文档识别正在进行。</translation>
    </message>
    <message>
        <source>Open a document first.</source>
        <translation>请先打开文档。</translation>
    </message>
    <message numerus="yes">
        <source>%n documents</source>
        <translation>
            <numerusform>%n 个文档</numerusform>
        </translation>
    </message>
    <message>
        <source>The model is needed to read the document.</source>
        <translation>识别文档需要模型。</translation>
    </message>
    <message numerus="yes">
        <source>Reading {0}: %n page(s)</source>
        <translation>
            <numerusform>正在识别 {0}：%n 页</numerusform>
        </translation>
    </message>
    <message>
        <source>The model is not loaded.</source>
        <translation>模型未加载。</translation>
    </message>
    <message>
        <source>Pausing: the regions under way finish, no new one starts</source>
        <translation>正在暂停：进行中的区域将完成，不再开始新的区域</translation>
    </message>
    <message>
        <source>Reading {0}…</source>
        <translation>正在识别 {0}…</translation>
    </message>
    <message>
        <source>Stopping the document run…</source>
        <translation>正在停止文档识别…</translation>
    </message>
    <message>
        <source>{0} · page {1}</source>
        <translation>{0} · 第 {1} 页</translation>
    </message>
    <message>
        <source>{0} page {1}: {2}</source>
        <translation>{0} 第 {1} 页：{2}</translation>
    </message>
    <message>
        <source>p.{0}</source>
        <translation>第 {0} 页</translation>
    </message>
    <message>
        <source>document</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>The document run stopped: {0}</source>
        <translation>文档识别已停止：{0}</translation>
    </message>
    <message>
        <source>Stopped {0}: {1} of {2} page(s)</source>
        <translation>已停止 {0}：{1} / {2} 页</translation>
    </message>
    <message>
        <source>Read {0}: {1} of {2} page(s)</source>
        <translation>已识别 {0}：{1} / {2} 页</translation>
    </message>
    <message>
        <source>, {0} failed</source>
        <translation>，{0} 页失败</translation>
    </message>
    <message>
        <source>{0} has not been read as a document yet: Run Document first.</source>
        <translation>{0} 尚未作为文档识别：请先运行“识别文档”。</translation>
    </message>
    <message>
        <source>Could not export {0}: {1}</source>
        <translation>无法导出 {0}：{1}</translation>
    </message>
    <message>
        <source>Exporting {0}…</source>
        <translation>正在导出 {0}…</translation>
    </message>
    <message>
        <source>Exported the document to {0}</source>
        <translation>文档已导出到 {0}</translation>
    </message>
    <message>
        <source> and {0} more</source>
        <translation> 及另外 {0} 个</translation>
    </message>
    <message>
        <source>Resume the document run?</source>
        <translation>继续文档识别？</translation>
    </message>
    <message>
        <source>A document run did not finish ({0}{1}: {2} of {3} pages read).

Resume it? Pages and regions already read are kept and not read again.</source>
        <translation>有一次文档识别未完成（{0}{1}：已识别 {2} / {3} 页）。

要继续吗？已识别的页面和区域会保留，不会重新识别。</translation>
    </message>
    <message>
        <source>{0} is no longer there; its pages are left out.</source>
        <translation>{0} 已不存在；将跳过其页面。</translation>
    </message>
    <message>
        <source>Opening the documents of the unfinished run…</source>
        <translation>正在打开未完成识别的文档…</translation>
    </message>
    <message>
        <source>None of the unfinished run&apos;s documents could be opened.</source>
        <translation>未完成识别的文档均无法打开。</translation>
    </message>
</context>
<context>
    <name>DocumentView</name>
    <message>
        <source>Document</source>
        <extracomment>How often a shown document view asks its page for a click (ms).</extracomment>
        <translation>文档</translation>
    </message>
    <message>
        <source>Run Document (Ctrl+Shift+D) to see the whole document here.</source>
        <translation>运行“识别文档”（Ctrl+Shift+D）即可在此查看完整文档。</translation>
    </message>
</context>
<context>
    <name>DocumentWorkspace</name>
    <message>
        <source>Markdown, pictures in a folder beside it (*.md)</source>
        <extracomment>File dialog filters of Export Document (in English; shown translated), and the format each one writes.</extracomment>
        <translation>Markdown，图片位于旁边的文件夹 (*.md)</translation>
    </message>
    <message>
        <source>JSON, the GLM-OCR SDK&apos;s layout (*.json)</source>
        <translation>JSON，GLM-OCR SDK 的版面格式 (*.json)</translation>
    </message>
    <message>
        <source>Word (*.docx)</source>
        <translation>Word (*.docx)</translation>
    </message>
    <message>
        <source>Searchable PDF (*.pdf)</source>
        <translation>可搜索的 PDF (*.pdf)</translation>
    </message>
    <message>
        <source>Open a document first.</source>
        <translation>请先打开文档。</translation>
    </message>
    <message>
        <source>Run Document first: there is no assembled document to export yet.</source>
        <translation>请先运行“识别文档”：还没有可导出的完整文档。</translation>
    </message>
    <message>
        <source>Export document</source>
        <translation>导出文档</translation>
    </message>
</context>
<context>
    <name>Documents</name>
    <message>
        <source>Pasted image {0}.png</source>
        <extracomment>Names of images that become documents, by how they came (shown in the window&apos;s language).</extracomment>
        <translation>粘贴的图片 {0}.png</translation>
    </message>
    <message>
        <source>Dropped image {0}.png</source>
        <translation>拖入的图片 {0}.png</translation>
    </message>
    <message>
        <source>Snip image {0}.png</source>
        <translation>截图 {0}.png</translation>
    </message>
    <message>
        <source>{0}/ (no supported files)</source>
        <translation>{0}/（没有支持的文件）</translation>
    </message>
    <message>
        <source>{0} (not found)</source>
        <translation>{0}（未找到）</translation>
    </message>
    <message>
        <source>{0} (not a supported image or PDF)</source>
        <translation>{0}（不是支持的图片或 PDF）</translation>
    </message>
    <message>
        <source>Not opened: {0}</source>
        <translation>未打开：{0}</translation>
    </message>
    <message>
        <source>Opening {0}…</source>
        <translation>正在打开 {0}…</translation>
    </message>
    <message>
        <source>The clipboard holds no image.</source>
        <translation>剪贴板中没有图片。</translation>
    </message>
    <message>
        <source>Links to the web are not downloaded; save the file and drop it instead.</source>
        <translation>不会下载网页链接；请先保存文件，再将其拖入。</translation>
    </message>
    <message>
        <source>Only files can be dropped here (images and PDFs).</source>
        <translation>此处只能拖入文件（图片和 PDF）。</translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation>已打开 {0}</translation>
    </message>
    <message>
        <source>Could not open {0}: {1}</source>
        <translation>无法打开 {0}：{1}</translation>
    </message>
    <message>
        <source>{0} is taking unusually long to open ({1} s so far); it will appear when it is ready.</source>
        <translation>打开 {0} 的时间异常长（已用 {1} 秒）；准备好后即会显示。</translation>
    </message>
    <message>
        <source>Page {0} cannot be shown: {1}</source>
        <translation>无法显示第 {0} 页：{1}</translation>
    </message>
    <message>
        <source>Page {0} of {1} is taking unusually long to render ({2} s so far). It will appear when it is done; other pages and documents can be used meanwhile.</source>
        <translation>{1} 的第 {0} 页渲染时间异常长（已用 {2} 秒）。完成后即会显示；在此期间可以使用其他页面和文档。</translation>
    </message>
    <message>
        <source>Page {0} could not be rendered: {1}</source>
        <translation>无法渲染第 {0} 页：{1}</translation>
    </message>
</context>
<context>
    <name>EngineSettings</name>
    <message>
        <source>This computer (local model)</source>
        <extracomment>shown through QCoreApplication.translate(&quot;EngineSettings&quot;, ...)</extracomment>
        <translation>本机（本地模型）</translation>
    </message>
    <message>
        <source>OpenAI-compatible server (vLLM, SGLang, LM Studio, llama.cpp, glmocr-desktop serve)</source>
        <translation>OpenAI 兼容服务器（vLLM、SGLang、LM Studio、llama.cpp、glmocr-desktop serve）</translation>
    </message>
    <message>
        <source>the keyring could not be opened ({0}: {1})</source>
        <translation>无法打开系统密钥环（{0}：{1}）</translation>
    </message>
    <message>
        <source>no system keyring is available on this computer</source>
        <translation>此计算机上没有可用的系统密钥环</translation>
    </message>
    <message>
        <source>No server URL is set.</source>
        <translation>未设置服务器 URL。</translation>
    </message>
    <message>
        <source>Add one in Settings › Engine.</source>
        <translation>请在“设置 › 引擎”中添加。</translation>
    </message>
    <message>
        <source>Correct it in Settings › Engine.</source>
        <translation>请在“设置 › 引擎”中更正。</translation>
    </message>
    <message>
        <source>Unencrypted connection</source>
        <translation>未加密的连接</translation>
    </message>
    <message>
        <source>These servers are on other computers and are reached over plain http:</source>
        <translation>这些服务器位于其他计算机上，通过未加密的 http 访问：</translation>
    </message>
    <message>
        <source>The pages you read and the API key travel unencrypted; anyone on the network between can read them. Use https unless the network is yours.</source>
        <translation>您识别的页面和 API 密钥将以未加密方式传输，途经网络上的任何人都能读取。除非网络由您掌控，否则请使用 https。</translation>
    </message>
    <message>
        <source>Use Anyway</source>
        <translation>仍然使用</translation>
    </message>
</context>
<context>
    <name>EngineSettingsPage</name>
    <message>
        <source>(one server per line; requests are spread over them)</source>
        <translation>（每行一个服务器；请求会分配到各服务器）</translation>
    </message>
    <message>
        <source>glm-ocr (vLLM/SGLang --served-model-name; Ollama: glm-ocr)</source>
        <translation>glm-ocr（vLLM/SGLang --served-model-name；Ollama：glm-ocr）</translation>
    </message>
    <message>
        <source>Forget Key</source>
        <translation>忘记密钥</translation>
    </message>
    <message>
        <source>The API key cannot be saved: {0}. It is kept until the app closes.</source>
        <translation>无法保存 API 密钥：{0}。它会保留到应用关闭为止。</translation>
    </message>
    <message>
        <source>kept for this session only</source>
        <translation>仅在本次会话中保留</translation>
    </message>
    <message>
        <source>The API key is kept in the system keyring, not in the settings file.</source>
        <translation>API 密钥保存在系统密钥环中，而不是设置文件里。</translation>
    </message>
    <message>
        <source>unchanged (leave empty to keep the saved key)</source>
        <translation>未更改（留空则保留已保存的密钥）</translation>
    </message>
    <message>
        <source>Requests in flight at once over all servers (the official SDK uses 32).</source>
        <translation>所有服务器上同时进行的请求数（官方 SDK 使用 32）。</translation>
    </message>
    <message>
        <source>Test Connection</source>
        <translation>测试连接</translation>
    </message>
    <message>
        <source>Run the model on</source>
        <translation>模型运行位置</translation>
    </message>
    <message>
        <source>Server URLs</source>
        <translation>服务器 URL</translation>
    </message>
    <message>
        <source>Model name</source>
        <translation>模型名称</translation>
    </message>
    <message>
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <source>Requests in flight</source>
        <translation>并发请求数</translation>
    </message>
    <message>
        <source>The saved API key is forgotten when you press OK.</source>
        <translation>按“确定”后将忘记已保存的 API 密钥。</translation>
    </message>
    <message>
        <source>Add the URL of at least one server.</source>
        <translation>请至少添加一个服务器的 URL。</translation>
    </message>
    <message>
        <source>Use https for servers on other computers, or accept the warning.</source>
        <translation>请为其他计算机上的服务器使用 https，或接受警告。</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>none listed</source>
        <translation>未列出</translation>
    </message>
    <message>
        <source>✓ {0}: {1}; models: {2}</source>
        <translation>✓ {0}：{1}；模型：{2}</translation>
    </message>
</context>
<context>
    <name>ExceptionHandler</name>
    <message>
        <source>Unexpected error (logged): {0}</source>
        <translation>意外错误（已记录）：{0}</translation>
    </message>
    <message numerus="yes">
        <source>%n more error(s) happened since the last message.</source>
        <translation>
            <numerusform>自上次提示以来又发生了 %n 个错误。</numerusform>
        </translation>
    </message>
    <message>
        <source>Details are in the log file:
{0}</source>
        <translation>详细信息见日志文件：
{0}</translation>
    </message>
    <message>
        <source>Something went wrong inside {0}:</source>
        <translation>{0} 内部出错：</translation>
    </message>
    <message>
        <source>{0}: unexpected error</source>
        <translation>{0}：意外错误</translation>
    </message>
    <message>
        <source>The app carries on.</source>
        <translation>应用将继续运行。</translation>
    </message>
    <message>
        <source>The app carries on. 1 result is not saved yet ({0}): kept in memory only; the banner at the top of the window can save them to a file.</source>
        <translation>应用将继续运行。有 1 个结果尚未保存（{0}）：仅保存在内存中；可通过窗口顶部的横幅将其保存到文件。</translation>
    </message>
    <message numerus="yes">
        <source>The app carries on. %n results are not saved yet ({0}): kept in memory only; the banner at the top of the window can save them to a file.</source>
        <translation>
            <numerusform>应用将继续运行。有 %n 个结果尚未保存（{0}）：仅保存在内存中；可通过窗口顶部的横幅将其保存到文件。</numerusform>
        </translation>
    </message>
    <message>
        <source>The app carries on, but new results cannot be saved now ({0}).</source>
        <translation>应用将继续运行，但目前无法保存新结果（{0}）。</translation>
    </message>
    <message>
        <source>The app carries on; every result so far is saved.</source>
        <translation>应用将继续运行；目前所有结果均已保存。</translation>
    </message>
</context>
<context>
    <name>HistoryDock</name>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Search results…</source>
        <translation>搜索结果…</translation>
    </message>
    <message>
        <source>Delete the selected result from the history for good (asks first)</source>
        <translation>从历史记录中永久删除所选结果（会先询问）</translation>
    </message>
    <message>
        <source>Delete result from history</source>
        <translation>从历史记录中删除结果</translation>
    </message>
    <message>
        <source>(a stored result that cannot be shown)</source>
        <translation>（无法显示的已保存结果）</translation>
    </message>
    <message>
        <source>{0} · p.{1}</source>
        <translation>{0} · 第 {1} 页</translation>
    </message>
</context>
<context>
    <name>InferenceThread</name>
    <message>
        <source>The layout of the page could not be found: {0}</source>
        <translation>无法识别页面的版面：{0}</translation>
    </message>
    <message>
        <source>The model is not loaded.</source>
        <translation>模型尚未加载。</translation>
    </message>
    <message>
        <source>Could not render: {0}</source>
        <translation>无法渲染：{0}</translation>
    </message>
    <message>
        <source>The engine stopped early.</source>
        <translation>引擎提前停止了。</translation>
    </message>
</context>
<context>
    <name>LayoutDetection</name>
    <message>
        <source>Layout detection cancelled: the edited regions stay</source>
        <translation>版面检测已取消：已编辑的区域保持不变</translation>
    </message>
    <message>
        <source>Finding the layout of page {0}…</source>
        <translation>正在检测第 {0} 页的版面…</translation>
    </message>
    <message numerus="yes">
        <source>Finding the layout of %n pages…</source>
        <translation>
            <numerusform>正在检测 %n 页的版面…</numerusform>
        </translation>
    </message>
    <message>
        <source>Page {0}: the layout model found no regions; its regions stay as they were</source>
        <translation>第 {0} 页：版面模型未找到区域；其区域保持不变</translation>
    </message>
    <message numerus="yes">
        <source> (%n header, footer or page-number block(s) left out)</source>
        <translation>
            <numerusform>（省略了 %n 个页眉、页脚或页码块）</numerusform>
        </translation>
    </message>
    <message>
        <source>Page {0}: {1} regions{2}; {3} page(s) to go…</source>
        <translation>第 {0} 页：{1} 个区域{2}；还剩 {3} 页…</translation>
    </message>
    <message>
        <source>Layout: {0} regions on page {1}{2}</source>
        <translation>版面：第 {1} 页上 {0} 个区域{2}</translation>
    </message>
    <message>
        <source>Page {0}: {1}</source>
        <translation>第 {0} 页：{1}</translation>
    </message>
    <message>
        <source>Layout detection stopped</source>
        <translation>版面检测已停止</translation>
    </message>
    <message>
        <source>The layout was not detected: the layout model is not on this computer</source>
        <translation>未检测版面：此计算机上没有版面模型</translation>
    </message>
</context>
<context>
    <name>LayoutModelDialog</name>
    <message>
        <source>Detect Layout finds the page&apos;s titles, paragraphs, tables, formulas and pictures with PP-DocLayoutV3, as the GLM-OCR pipeline does. Get it with&lt;br&gt;{0}&lt;br&gt;press Download to fetch it from Hugging Face now, or choose a folder that holds it (config.json, model.safetensors, preprocessor_config.json).</source>
        <translation>“检测版面”使用 PP-DocLayoutV3 找出页面中的标题、段落、表格、公式和图片，与 GLM-OCR 流程相同。获取方式：&lt;br&gt;{0}&lt;br&gt;点击“下载”立即从 Hugging Face 获取，或选择包含该模型的文件夹（config.json、model.safetensors、preprocessor_config.json）。</translation>
    </message>
</context>
<context>
    <name>LoadInterrupted</name>
    <message>
        <source>Loading the model was stopped: the app is closing.</source>
        <extracomment>Minimum seconds between two chunk signals of one job (~30 per second). The inference thread&apos;s requests are core&apos;s (one builder for the window and the CLI).</extracomment>
        <translation>模型加载已停止：应用正在关闭。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Open</source>
        <extracomment>The window and, re-exported, its first-start geometry and the panes&apos; least widths. Only the types the opener really opens (core.formats is the one list of them).</extracomment>
        <translation>打开</translation>
    </message>
    <message>
        <source>The model could not be loaded: {0}</source>
        <translation>无法加载模型：{0}</translation>
    </message>
    <message>
        <source>Choose where the model comes from.</source>
        <translation>请选择模型的来源。</translation>
    </message>
    <message>
        <source>Open a document first.</source>
        <translation>请先打开文档。</translation>
    </message>
    <message>
        <source>Documents</source>
        <extracomment>The first start&apos;s window at most, and the share of the screen&apos;s free area it takes when that is smaller. The narrowest the page view, the results pane and its preview may be made (the splitter stops there).</extracomment>
        <translation>文档</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <source>Open or drop a scan, photo or PDF</source>
        <translation>打开或拖入扫描件、照片或 PDF</translation>
    </message>
    <message>
        <source>Ctrl+O to open · Ctrl+V to paste an image · then draw regions and press Ctrl+Enter</source>
        <translation>Ctrl+O 打开 · Ctrl+V 粘贴图像 · 然后框选区域并按 Ctrl+Enter</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Result preview</source>
        <translation>结果预览</translation>
    </message>
</context>
<context>
    <name>ModelDetails</name>
    <message>
        <source>not measured yet (run a region)</source>
        <extracomment>How many finished results the measured speed is the median of.</extracomment>
        <translation>尚未测量（请识别一个区域）</translation>
    </message>
    <message>
        <source>{rate:.1f} tokens/s (median of the last {n} results)</source>
        <translation>{rate:.1f} token/秒（最近 {n} 个结果的中位数）</translation>
    </message>
    <message>
        <source>not on this computer</source>
        <translation>不在此计算机上</translation>
    </message>
    <message>
        <source>loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>failed to load</source>
        <translation>加载失败</translation>
    </message>
    <message>
        <source>not loaded yet</source>
        <translation>尚未加载</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>The GLM-OCR model in use</source>
        <translation>正在使用的 GLM-OCR 模型</translation>
    </message>
    <message>
        <source>To use another model, choose its folder or download {repo} again.</source>
        <translation>要使用其他模型，请选择其文件夹或重新下载 {repo}。</translation>
    </message>
</context>
<context>
    <name>ModelDialog</name>
    <message>
        <source>GLM-OCR model needed</source>
        <translation>需要 GLM-OCR 模型</translation>
    </message>
    <message>
        <source>The GLM-OCR model is not on this computer yet.</source>
        <translation>此计算机上还没有 GLM-OCR 模型。</translation>
    </message>
    <message>
        <source>Folder with the GLM-OCR model</source>
        <translation>包含 GLM-OCR 模型的文件夹</translation>
    </message>
    <message>
        <source>Choose folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Choose a folder that holds the model, or download {0} (about 2.7 GB) from Hugging Face. The download can be stopped and resumed later.</source>
        <translation>请选择包含该模型的文件夹，或从 Hugging Face 下载 {0}（约 2.7 GB）。下载可以停止，之后再继续。</translation>
    </message>
    <message>
        <source>Connecting to Hugging Face…</source>
        <translation>正在连接 Hugging Face…</translation>
    </message>
    <message>
        <source>Stop download</source>
        <translation>停止下载</translation>
    </message>
    <message>
        <source>The download was stopped. The files finished so far are kept; the next try fetches the rest.</source>
        <translation>下载已停止。已完成的文件会保留，下次尝试时会下载其余部分。</translation>
    </message>
    <message>
        <source>Downloading… {0}</source>
        <translation>正在下载… {0}</translation>
    </message>
    <message>
        <source>Downloaded to {0}</source>
        <translation>已下载到 {0}</translation>
    </message>
    <message>
        <source>Resume download</source>
        <translation>继续下载</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Layout model needed</source>
        <translation>需要版面模型</translation>
    </message>
    <message>
        <source>The layout model is not on this computer yet.</source>
        <translation>此计算机上还没有版面模型。</translation>
    </message>
    <message>
        <source>Folder with the PP-DocLayoutV3 layout model</source>
        <translation>包含 PP-DocLayoutV3 版面模型的文件夹</translation>
    </message>
</context>
<context>
    <name>Navigation</name>
    <message>
        <source>1 page</source>
        <translation>1 页</translation>
    </message>
    <message>
        <source>{n} pages</source>
        <translation>{n} 页</translation>
    </message>
    <message>
        <source>{name} was not opened (it needs a password).</source>
        <translation>未打开 {name}（需要密码）。</translation>
    </message>
</context>
<context>
    <name>PageStrip</name>
    <message>
        <source>This page is taking unusually long to render.</source>
        <translation>此页面渲染时间异常长。</translation>
    </message>
</context>
<context>
    <name>PageView</name>
    <message>
        <source>Page</source>
        <extracomment>What an arrow key moves or resizes the selected regions by, as a share of the page (Shift: the large step). The smallest a region can be made from the keyboard, as a share of the page. The share of the visible part of the page a region made from the keyboard takes, centred on it. What the keyboard edit being announced by ``regions_changed`` did (&quot;add&quot;, &quot;move&quot;, &quot;resize&quot;), else None.</extracomment>
        <translation>页面</translation>
    </message>
    <message>
        <source>Drag on the page to draw a region; drag a region to move it, its handles to resize it.
Insert or N: new region in the middle of the visible page, with the task for new regions
Tab / Shift+Tab: select the next / previous region in reading order
Arrow keys: move the selected regions (Shift: larger steps)
Ctrl+arrow keys: resize the selected regions from the bottom-right corner (Shift: larger steps)
Del: delete the selected regions · 1-4: task · Space+drag: pan · Ctrl+wheel: zoom</source>
        <translation>在页面上拖动可绘制区域；拖动区域可移动它，拖动其控制点可调整大小。
Insert 或 N：在可见页面中央新建区域，使用新区域的任务
Tab / Shift+Tab：按阅读顺序选择下一个 / 上一个区域
方向键：移动所选区域（Shift：更大步长）
Ctrl+方向键：从右下角调整所选区域的大小（Shift：更大步长）
Del：删除所选区域 · 1-4：任务 · 空格+拖动：平移 · Ctrl+滚轮：缩放</translation>
    </message>
</context>
<context>
    <name>PortalCapture</name>
    <message>
        <source>The screen cannot be read: there is no desktop session bus.</source>
        <translation>无法读取屏幕：没有桌面会话总线。</translation>
    </message>
    <message>
        <source>The desktop&apos;s screenshot service is not available ({0}).</source>
        <translation>桌面的截图服务不可用（{0}）。</translation>
    </message>
    <message>
        <source>The desktop&apos;s screenshot dialog did not answer.</source>
        <translation>桌面的截图对话框没有响应。</translation>
    </message>
    <message>
        <source>The desktop did not allow the screenshot.</source>
        <translation>桌面不允许截图。</translation>
    </message>
    <message>
        <source>no file</source>
        <translation>无文件</translation>
    </message>
    <message>
        <source>The screenshot could not be read ({0}).</source>
        <translation>无法读取截图（{0}）。</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <source>Each finished result is copied to the clipboard</source>
        <translation>每个完成的结果都会复制到剪贴板</translation>
    </message>
    <message>
        <source>Finished results are no longer copied by themselves</source>
        <translation>完成的结果不再自动复制</translation>
    </message>
    <message>
        <source>Headers, footers and page numbers are kept from the next layout detection</source>
        <translation>从下一次版面检测起保留页眉、页脚和页码</translation>
    </message>
    <message>
        <source>Headers, footers and page numbers are left out from the next layout detection</source>
        <translation>从下一次版面检测起忽略页眉、页脚和页码</translation>
    </message>
</context>
<context>
    <name>PreviewView</name>
    <message>
        <source>This part stopped the preview</source>
        <extracomment>At most ~30 page updates a second while streaming. While streaming, rendering takes at most about this share of the GUI thread&apos;s time. Renderer crashes less than this many seconds apart count as one run of crashes: the second one of a run shows everything the page holds as plain text; after the fourth the page is not reloaded.</extracomment>
        <translation>此部分导致预览停止</translation>
    </message>
    <message>
        <source>The preview stopped while showing this result; the part that stopped it is shown as plain text.</source>
        <extracomment>The page&apos;s renderer stopped (a message for the user, once per crash; the content that was being shown then is shown as plain text from now on and never sent to the page again). An update the page has not finished yet: the next one waits for it (back-pressure), so a slow block never piles up updates behind it. Only the newest state waits: streamed text in ``_pending``, other changes as the first block index that changed (``_held``).</extracomment>
        <translation>显示此结果时预览停止了；导致停止的部分以纯文本显示。</translation>
    </message>
    <message>
        <source>The preview stopped while showing this result; it was reloaded.</source>
        <translation>显示此结果时预览停止了；已重新加载。</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Select All</source>
        <translation>全选</translation>
    </message>
    <message>
        <source>Only web and mail links can be opened.</source>
        <extracomment>mailto: fields that make the mail program attach a file (Thunderbird, Evolution, KMail read them).</extracomment>
        <translation>只能打开网页和邮件链接。</translation>
    </message>
    <message>
        <source>This mail link would attach a file from this computer; it is not opened.</source>
        <translation>此邮件链接会附加本计算机上的文件，因此不会打开。</translation>
    </message>
    <message>
        <source>The recognised text links to an e-mail address:

{0}

Open it in your mail program?</source>
        <translation>识别出的文本链接到一个电子邮件地址：

{0}

要在邮件程序中打开吗？</translation>
    </message>
    <message>
        <source>(no site)</source>
        <translation>（无网站）</translation>
    </message>
    <message>
        <source>The recognised text links to the site:

    {0}
</source>
        <translation>识别出的文本链接到网站：

    {0}
</translation>
    </message>
    <message>
        <source>Full address:
{0}
</source>
        <translation>完整地址：
{0}
</translation>
    </message>
    <message>
        <source>Careful: “{0}@” in the address is not the site; the site is {1}.
</source>
        <translation>注意：地址中的“{0}@”并不是网站；实际网站是 {1}。
</translation>
    </message>
    <message>
        <source>Open it in your browser?</source>
        <translation>要在浏览器中打开吗？</translation>
    </message>
    <message>
        <source>Link not opened</source>
        <translation>未打开链接</translation>
    </message>
    <message>
        <source>Open link?</source>
        <translation>打开链接？</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Document run</source>
        <translation>文档识别</translation>
    </message>
    <message>
        <source>No document run yet</source>
        <translation>尚无文档识别</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Finish the regions under way and start no new one</source>
        <translation>完成进行中的区域，不再开始新的区域</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the run; the pages read so far are kept</source>
        <translation>停止识别；保留已识别的页面</translation>
    </message>
    <message>
        <source>Pages</source>
        <translation>页面</translation>
    </message>
    <message>
        <source>Regions</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>当前</translation>
    </message>
</context>
<context>
    <name>QtScreenCapture</name>
    <message>
        <source>The screen could not be read on this desktop.</source>
        <translation>无法在此桌面上读取屏幕。</translation>
    </message>
</context>
<context>
    <name>RegionEdit</name>
    <message>
        <source>Draw Region</source>
        <extracomment>One region as it was (``TaskRegion.state()``): region, task, template, label, kind, source, edited. A page&apos;s regions as they were, in reading order.</extracomment>
        <translation>绘制区域</translation>
    </message>
    <message numerus="yes">
        <source>Add %n Regions</source>
        <translation>
            <numerusform>添加 %n 个区域</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete Region</source>
        <translation>删除区域</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n Regions</source>
        <translation>
            <numerusform>删除 %n 个区域</numerusform>
        </translation>
    </message>
    <message>
        <source>Resize Region</source>
        <translation>调整区域大小</translation>
    </message>
    <message>
        <source>Move Region</source>
        <translation>移动区域</translation>
    </message>
    <message numerus="yes">
        <source>Move %n Regions</source>
        <translation>
            <numerusform>移动 %n 个区域</numerusform>
        </translation>
    </message>
    <message>
        <source>Edit Regions</source>
        <translation>编辑区域</translation>
    </message>
</context>
<context>
    <name>Regions</name>
    <message>
        <source>New regions: {0}</source>
        <extracomment>What a region can be made in its menu: read with one of these tasks, or kept as a picture. The layout label a labelled region takes when its task changes to one its label does not read with.</extracomment>
        <translation>新区域：{0}</translation>
    </message>
    <message>
        <source>Region {0} read as {1} · New regions: {1}</source>
        <translation>区域 {0} 按{1}识别 · 新区域：{1}</translation>
    </message>
    <message>
        <source>{0} regions read as {1} · New regions: {1}</source>
        <translation>{0} 个区域按{1}识别 · 新区域：{1}</translation>
    </message>
    <message>
        <source>Add Whole-Page Region</source>
        <translation>添加整页区域</translation>
    </message>
    <message>
        <source>Deleted 1 region from the page (Undo brings it back)</source>
        <translation>已从页面删除 1 个区域（撤销可恢复）</translation>
    </message>
    <message>
        <source>Deleted {0} regions from the page (Undo brings them back)</source>
        <translation>已从页面删除 {0} 个区域（撤销可恢复）</translation>
    </message>
    <message>
        <source>Add Region</source>
        <translation>添加区域</translation>
    </message>
    <message>
        <source>Region {0}: {1} % from the left, {2} % from the top, {3} % wide, {4} % high</source>
        <translation>区域 {0}：距左 {1} %，距上 {2} %，宽 {3} %，高 {4} %</translation>
    </message>
    <message>
        <source>Region {0}: a picture (kept, not read) · New regions: {1}</source>
        <translation>区域 {0}：图片（保留，不识别）· 新区域：{1}</translation>
    </message>
    <message>
        <source>Region {0}: read as {1} · New regions: {2}</source>
        <translation>区域 {0}：按{1}识别 · 新区域：{2}</translation>
    </message>
    <message>
        <source>Detect Layout</source>
        <translation>检测版面</translation>
    </message>
    <message>
        <source>Select two or more regions to merge them</source>
        <translation>选择两个或更多区域以合并</translation>
    </message>
    <message>
        <source>Merge Regions</source>
        <translation>合并区域</translation>
    </message>
    <message>
        <source>Merged {0} regions into region {1}</source>
        <translation>已将 {0} 个区域合并为区域 {1}</translation>
    </message>
    <message>
        <source>Move Earlier in Reading Order</source>
        <translation>在阅读顺序中前移</translation>
    </message>
    <message>
        <source>Move Later in Reading Order</source>
        <translation>在阅读顺序中后移</translation>
    </message>
    <message>
        <source>Moved earlier in the reading order</source>
        <translation>已在阅读顺序中前移</translation>
    </message>
    <message>
        <source>Moved later in the reading order</source>
        <translation>已在阅读顺序中后移</translation>
    </message>
    <message>
        <source>Keep as Picture</source>
        <translation>保留为图片</translation>
    </message>
    <message>
        <source>Set Task: {0}</source>
        <translation>设置任务：{0}</translation>
    </message>
    <message>
        <source>Set Label: {0}</source>
        <translation>设置版面标签：{0}</translation>
    </message>
    <message>
        <source>Picture (kept, not read)</source>
        <translation>图片（保留，不识别）</translation>
    </message>
    <message>
        <source>Layout &amp;Label</source>
        <translation>版面标签(&amp;L)</translation>
    </message>
</context>
<context>
    <name>RemoveResult</name>
    <message>
        <source>Remove Result from List</source>
        <translation>从列表中移除结果</translation>
    </message>
</context>
<context>
    <name>ResultCommands</name>
    <message>
        <source>Select a finished result to remove it from the list.</source>
        <translation>请选择一个已完成的结果以将其从列表中移除。</translation>
    </message>
    <message>
        <source>Removed {label} from the list (the history keeps it; Undo brings it back)</source>
        <translation>已从列表中移除 {label}（历史记录仍保留；撤销可恢复）</translation>
    </message>
    <message>
        <source>Removed {label} from the list (Undo brings it back)</source>
        <translation>已从列表中移除 {label}（撤销可恢复）</translation>
    </message>
    <message>
        <source>Select a finished result to delete it from the history.</source>
        <translation>请选择一个已完成的结果以将其从历史记录中删除。</translation>
    </message>
    <message>
        <source>{label} is not in the history (Del removes it from the list).</source>
        <translation>{label} 不在历史记录中（按 Del 可将其从列表中移除）。</translation>
    </message>
    <message>
        <source>Deleted {label} from the history</source>
        <translation>已从历史记录中删除 {label}</translation>
    </message>
    <message>
        <source>There is no result of this document to save yet.</source>
        <translation>此文档还没有可保存的结果。</translation>
    </message>
    <message>
        <source>There is no result to save yet.</source>
        <translation>还没有可保存的结果。</translation>
    </message>
    <message>
        <source>Save results of {name}</source>
        <translation>保存 {name} 的结果</translation>
    </message>
    <message>
        <source>Markdown (*.md);;JSON (*.json)</source>
        <translation>Markdown (*.md);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Could not save {path}: {error}</source>
        <translation>无法保存 {path}：{error}</translation>
    </message>
    <message numerus="yes">
        <source>Saved %n result(s) to {path}</source>
        <translation>
            <numerusform>已将 %n 个结果保存到 {path}</numerusform>
        </translation>
    </message>
    <message>
        <source>Page {n}</source>
        <translation>第 {n} 页</translation>
    </message>
    <message>
        <source>Open its document again to run this result again.</source>
        <translation>请重新打开其文档以再次识别此结果。</translation>
    </message>
</context>
<context>
    <name>ResultPane</name>
    <message>
        <source>queued</source>
        <extracomment>A result&apos;s state as its row says it (shown translated).</extracomment>
        <translation>排队中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>识别中</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>loop cut</source>
        <translation>已截断循环</translation>
    </message>
    <message>
        <source>The model started repeating itself; the repeated part was removed.</source>
        <translation>模型开始重复输出；重复部分已被删除。</translation>
    </message>
    <message>
        <source>token limit reached</source>
        <translation>已达 token 上限</translation>
    </message>
    <message>
        <source>The output reached its token limit and may be incomplete.</source>
        <translation>输出已达到 token 上限，可能不完整。</translation>
    </message>
    <message>
        <source>Results</source>
        <extracomment>The most tokens &quot;Run again with more tokens&quot; asks for. Where a tree row keeps the id of its entry (&quot;&quot; for a document&apos;s row).</extracomment>
        <translation>结果</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the text selected in the preview, else the selected result in its natural format, also while it arrives (Ctrl+C)</source>
        <translation>复制预览中选中的文本，否则以默认格式复制所选结果，结果仍在生成时也可以（Ctrl+C）</translation>
    </message>
    <message>
        <source>Copy As</source>
        <translation>复制为</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>保存…</translation>
    </message>
    <message>
        <source>Save the shown document&apos;s results (the latest run of each region) as Markdown or JSON, named after it</source>
        <translation>将当前文档的结果（每个区域的最新一次识别）保存为 Markdown 或 JSON，以文档命名</translation>
    </message>
    <message>
        <source>Remove the selected result from the list; the history keeps it (Del; Undo brings it back)</source>
        <translation>将所选结果从列表中移除；历史记录仍保留它（Del；撤销可恢复）</translation>
    </message>
    <message>
        <source>Remove result from list</source>
        <translation>从列表中移除结果</translation>
    </message>
    <message>
        <source>No results yet.
Draw a region on the page (Ctrl+A: whole page), pick a task (1-4)
and press Run (Ctrl+Enter).</source>
        <translation>还没有结果。
在页面上框选一个区域（Ctrl+A：整页），选择任务（1-4），
然后点击“识别”（Ctrl+Enter）。</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>The recognised text appears here; edit it and the preview follows.</source>
        <translation>识别出的文本显示在这里；编辑后预览会随之更新。</translation>
    </message>
    <message>
        <source>Run again with more tokens</source>
        <translation>用更多 token 重新识别</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>源文本</translation>
    </message>
    <message>
        <source>Other results</source>
        <translation>其他结果</translation>
    </message>
    <message>
        <source> · {0} tokens</source>
        <translation> · {0} 个 token</translation>
    </message>
    <message>
        <source>earlier run: {label}</source>
        <translation>较早的识别：{label}</translation>
    </message>
    <message>
        <source> · {n} versions</source>
        <translation> · {n} 个版本</translation>
    </message>
    <message>
        <source>Incomplete: {0}.</source>
        <translation>不完整：{0}。</translation>
    </message>
    <message>
        <source>Run again</source>
        <translation>重新识别</translation>
    </message>
    <message>
        <source>It already had {0:,} tokens, the most a re-run asks for ({1:,})</source>
        <translation>它已有 {0:,} 个 token，即重新识别所请求的上限（{1:,}）</translation>
    </message>
    <message>
        <source>Read this region again with a limit of {0:,} tokens (twice {1:,}); the new result goes next to this one</source>
        <translation>以 {0:,} 个 token 的上限（{1:,} 的两倍）重新识别此区域；新结果放在此结果旁边</translation>
    </message>
    <message>
        <source>Read this region again (limit {0:,} tokens); the new result goes next to this one</source>
        <translation>重新识别此区域（上限 {0:,} 个 token）；新结果放在此结果旁边</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>Copy &amp;As</source>
        <translation>复制为(&amp;A)</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>全选(&amp;L)</translation>
    </message>
    <message>
        <source>the selection of </source>
        <translation>以下结果的选中部分：</translation>
    </message>
    <message>
        <source>Could not copy: {error}</source>
        <translation>无法复制：{error}</translation>
    </message>
    <message>
        <source>A table of {label} is too large to expand its merged cells; each cell was copied once.</source>
        <translation>{label} 中的表格太大，无法展开其合并单元格；每个单元格只复制了一次。</translation>
    </message>
    <message>
        <source>, so far</source>
        <translation>，目前为止</translation>
    </message>
    <message>
        <source>Copied {what}{label} ({kinds}{partial})</source>
        <translation>已复制{what}{label}（{kinds}{partial}）</translation>
    </message>
</context>
<context>
    <name>RunDocumentDialog</name>
    <message>
        <source>Run Document</source>
        <translation>识别文档</translation>
    </message>
    <message>
        <source>Pages with regions are read in their regions; the others through the layout model (or whole when it is not installed).</source>
        <translation>有区域的页面按其区域识别；其他页面通过版面模型识别（未安装时整页识别）。</translation>
    </message>
    <message>
        <source>All 1 page of {0}</source>
        <translation>{0} 的全部 1 页</translation>
    </message>
    <message numerus="yes">
        <source>All %n pages of {0}</source>
        <translation>
            <numerusform>{0} 的全部 %n 页</numerusform>
        </translation>
    </message>
    <message>
        <source>Pages:</source>
        <translation>页面：</translation>
    </message>
    <message>
        <source>e.g. 1-3,7 (1 to {0})</source>
        <translation>例如 1-3,7（1 到 {0}）</translation>
    </message>
    <message>
        <source>Every open document ({0})</source>
        <translation>所有已打开的文档（{0}）</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
</context>
<context>
    <name>Runs</name>
    <message>
        <source>The model is not loaded.</source>
        <translation>模型未加载。</translation>
    </message>
    <message>
        <source>The model is needed to recognise text.</source>
        <translation>识别文本需要模型。</translation>
    </message>
    <message numerus="yes">
        <source>Queued %n job(s)</source>
        <translation>
            <numerusform>已加入队列：%n 个任务</numerusform>
        </translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Recognising {0}…</source>
        <translation>正在识别 {0}…</translation>
    </message>
    <message>
        <source>{0:.1f} tok/s · {1} tokens</source>
        <translation>{0:.1f} token/秒 · {1} 个 token</translation>
    </message>
    <message>
        <source>{0} tokens</source>
        <translation>{0} 个 token</translation>
    </message>
    <message>
        <source>Done: {0} (stopped)</source>
        <translation>完成：{0}（已停止）</translation>
    </message>
    <message>
        <source>Done: {0} ({1})</source>
        <translation>完成：{0}（{1}）</translation>
    </message>
    <message>
        <source>Done: {0}</source>
        <translation>完成：{0}</translation>
    </message>
</context>
<context>
    <name>ScreenSnip</name>
    <message>
        <source>Snip cancelled.</source>
        <translation>截图已取消。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Task default</source>
        <translation>任务默认值</translation>
    </message>
    <message>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <source>system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Takes effect when the app starts again.</source>
        <translation>重新启动应用后生效。</translation>
    </message>
    <message>
        <source>PP-DocLayoutV3 from the Hugging Face cache</source>
        <translation>来自 Hugging Face 缓存的 PP-DocLayoutV3</translation>
    </message>
    <message>
        <source>Model (hub id or folder)</source>
        <translation>模型（Hub ID 或文件夹）</translation>
    </message>
    <message>
        <source>Layout model (hub id or folder)</source>
        <translation>版面模型（Hub ID 或文件夹）</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新 token 数</translation>
    </message>
    <message>
        <source>Recognition DPI</source>
        <translation>识别 DPI</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
</context>
<context>
    <name>SnipOverlay</name>
    <message>
        <source>Drag around what to read  ·  Esc to cancel</source>
        <translation>拖动框选要识别的内容  ·  按 Esc 取消</translation>
    </message>
</context>
<context>
    <name>SourceEdit</name>
    <message>
        <source>Edit Result Source</source>
        <translation>编辑结果源文本</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Getting faster…</source>
        <extracomment>What the speed label says (words for the user, not the engine&apos;s states; shown translated).</extracomment>
        <translation>正在提速…</translation>
    </message>
    <message>
        <source>Full speed</source>
        <translation>全速</translation>
    </message>
    <message>
        <source>Standard speed</source>
        <translation>标准速度</translation>
    </message>
    <message>
        <source>Ready</source>
        <extracomment>The zoom menu&apos;s fixed steps, in per cent.</extracomment>
        <translation>就绪</translation>
    </message>
    <message>
        <source>Page </source>
        <translation>第 </translation>
    </message>
    <message>
        <source>The page shown; type a page number and press Enter to go there</source>
        <translation>当前显示的页面；输入页码并按 Enter 即可跳转</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>缩放</translation>
    </message>
    <message>
        <source>The page&apos;s zoom; click to choose another</source>
        <translation>页面缩放比例；点击可选择其他比例</translation>
    </message>
    <message>
        <source> of {0}</source>
        <translation> 页，共 {0} 页</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Model ready</source>
        <translation>模型已就绪</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>The GLM-OCR model is not on this computer yet.</source>
        <translation>此计算机上还没有 GLM-OCR 模型。</translation>
    </message>
    <message>
        <source>Model failed</source>
        <translation>模型出错</translation>
    </message>
    <message>
        <source>The model could not be loaded.</source>
        <translation>无法加载模型。</translation>
    </message>
    <message>
        <source>The GPU decoder is being prepared; recognition works meanwhile and speeds up when it is ready.</source>
        <translation>正在准备 GPU 解码器；在此期间识别照常进行，准备就绪后会加快。</translation>
    </message>
    <message>
        <source>Recognition runs on the prepared GPU decoder.</source>
        <translation>识别正在使用已准备好的 GPU 解码器。</translation>
    </message>
    <message>
        <source>Recognition runs at the standard speed of transformers generate.</source>
        <translation>识别以 transformers generate 的标准速度运行。</translation>
    </message>
</context>
<context>
    <name>StoreBanner</name>
    <message>
        <source>Results database (*.sqlite3);;JSON (*.json)</source>
        <translation>结果数据库 (*.sqlite3);;JSON (*.json)</translation>
    </message>
    <message>
        <source>Save 1 unsaved result to</source>
        <translation>将 1 个未保存的结果保存到</translation>
    </message>
    <message numerus="yes">
        <source>Save %n unsaved results to</source>
        <translation>
            <numerusform>将 %n 个未保存的结果保存到</numerusform>
        </translation>
    </message>
    <message>
        <source>Save unsaved results to…</source>
        <translation>将未保存的结果保存到…</translation>
    </message>
    <message>
        <source>Recover results</source>
        <translation>恢复结果</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <source> (and 1 older file)</source>
        <translation>（及 1 个较旧的文件）</translation>
    </message>
    <message numerus="yes">
        <source> (and %n older files)</source>
        <translation>
            <numerusform>（及 %n 个较旧的文件）</numerusform>
        </translation>
    </message>
    <message>
        <source>Recovering results…</source>
        <translation>正在恢复结果…</translation>
    </message>
    <message>
        <source>An earlier results database was damaged and moved aside as {0}{1}. What can still be read from it can be added back to your history.</source>
        <translation>之前的结果数据库已损坏，并已移至 {0}{1}。其中仍可读取的内容可以重新添加到历史记录中。</translation>
    </message>
    <message>
        <source>Nothing is waiting to be saved.</source>
        <translation>没有待保存的内容。</translation>
    </message>
    <message>
        <source>Nothing could be recovered from {0}: {1}</source>
        <translation>无法从 {0} 恢复任何内容：{1}</translation>
    </message>
    <message>
        <source>; 1 damaged row could not be read</source>
        <translation>；1 个损坏的行无法读取</translation>
    </message>
    <message numerus="yes">
        <source>; %n damaged rows could not be read</source>
        <translation>
            <numerusform>；%n 个损坏的行无法读取</numerusform>
        </translation>
    </message>
    <message>
        <source>1 result recovered from {0} and added to the history{1}.</source>
        <translation>已从 {0} 恢复 1 个结果并添加到历史记录{1}。</translation>
    </message>
    <message numerus="yes">
        <source>%n results recovered from {0} and added to the history{1}.</source>
        <translation>
            <numerusform>已从 {0} 恢复 %n 个结果并添加到历史记录{1}。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>StorePersistence</name>
    <message>
        <source>region {0}</source>
        <extracomment>How long opening the store waits on a database another program holds locked before moving it aside. A stored row as the result list shows it: a job that never finished here is a stopped one. How many of a document&apos;s past results come back when it is opened again. Something the user must hear about opening it (a damaged database moved aside), or &quot;&quot;.</extracomment>
        <translation>区域 {0}</translation>
    </message>
    <message>
        <source>p.{0}</source>
        <translation>第 {0} 页</translation>
    </message>
    <message>
        <source>The unsaved results could not be saved to {0}: {1}</source>
        <translation>无法将未保存的结果保存到 {0}：{1}</translation>
    </message>
    <message>
        <source> They are also still written to the results database once it works.</source>
        <translation>结果数据库恢复正常后，它们也仍会写入其中。</translation>
    </message>
    <message>
        <source>1 unsaved result saved to {0}.{1}</source>
        <translation>已将 1 个未保存的结果保存到 {0}。{1}</translation>
    </message>
    <message numerus="yes">
        <source>%n unsaved results saved to {0}.{1}</source>
        <translation>
            <numerusform>已将 %n 个未保存的结果保存到 {0}。{1}</numerusform>
        </translation>
    </message>
    <message>
        <source>the results database could not be written</source>
        <translation>无法写入结果数据库</translation>
    </message>
    <message>
        <source>1 result could not be written to the results database ({0}). They were kept in {1} and are added back at the next start.</source>
        <translation>有 1 个结果无法写入结果数据库（{0}）。它已保存在 {1}，将在下次启动时重新添加。</translation>
    </message>
    <message numerus="yes">
        <source>%n results could not be written to the results database ({0}). They were kept in {1} and are added back at the next start.</source>
        <translation>
            <numerusform>有 %n 个结果无法写入结果数据库（{0}）。它们已保存在 {1}，将在下次启动时重新添加。</numerusform>
        </translation>
    </message>
    <message>
        <source>1 result could not be saved ({0}).</source>
        <translation>有 1 个结果无法保存（{0}）。</translation>
    </message>
    <message numerus="yes">
        <source>%n results could not be saved ({0}).</source>
        <translation>
            <numerusform>有 %n 个结果无法保存（{0}）。</numerusform>
        </translation>
    </message>
    <message>
        <source>They were not saved.</source>
        <translation>它们未被保存。</translation>
    </message>
</context>
<context>
    <name>Task</name>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Formula</source>
        <translation>公式</translation>
    </message>
    <message>
        <source>Table</source>
        <translation>表格</translation>
    </message>
    <message>
        <source>Extraction</source>
        <translation>信息提取</translation>
    </message>
</context>
<context>
    <name>TemplateDialog</name>
    <message>
        <source>Extraction template</source>
        <translation>提取模板</translation>
    </message>
    <message>
        <source>Start from…</source>
        <translation>从模板开始…</translation>
    </message>
    <message>
        <source>Invoice</source>
        <translation>发票</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>收据</translation>
    </message>
    <message>
        <source>ID card</source>
        <translation>身份证</translation>
    </message>
    <message>
        <source>Business card</source>
        <translation>名片</translation>
    </message>
    <message>
        <source>A JSON object whose values are empty strings; the model fills them in.</source>
        <translation>一个值均为空字符串的 JSON 对象，由模型来填写。</translation>
    </message>
</context>
</TS>
