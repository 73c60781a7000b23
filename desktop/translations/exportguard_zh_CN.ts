<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AuditPage</name>
    <message>
        <source>Search: recipient, export id, file, employee…</source>
        <translation>搜索：接收方、导出编号、文件、员工…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Load older records</source>
        <translation>加载更早的记录</translation>
    </message>
    <message numerus="yes">
        <source>Reports to the security office&apos;s service as {name}: %Ln record(s) not yet sent ({exports}); last sent {time}.</source>
        <translation>
            <numerusform>本机以“{name}”的名义向安全办公室的证据服务报送：还有 %Ln 条记录未发送（{exports}）；上次发送：{time}。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln of them export(s)</source>
        <translation>
            <numerusform>其中 %Ln 条是导出</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The office&apos;s trail: %Ln record(s) from every workstation, newest first.</source>
        <translation>
            <numerusform>安全办公室的审计记录：全部工作站共 %Ln 条，最新的在前。</numerusform>
        </translation>
    </message>
    <message>
        <source>{sentence} {next}</source>
        <translation>{sentence}{next}</translation>
    </message>
    <message numerus="yes">
        <source>%Ln of them was/were stored flagged and not yet resolved by an admin (marked in red; &apos;exportguard server check&apos; lists them).</source>
        <translation>
            <numerusform>其中 %Ln 条在接收时被标记为异常，管理员尚未处理（红色标出；命令 exportguard server check 会逐条列出）。</numerusform>
        </translation>
    </message>
    <message>
        <source>None is flagged.</source>
        <translation>没有被标记为异常的记录。</translation>
    </message>
    <message>
        <source> Older records are not shown yet (“Load older records”).</source>
        <translation>更早的记录尚未显示（点击“加载更早的记录”）。</translation>
    </message>
    <message>
        <source>Export to Excel…</source>
        <translation>导出到 Excel…</translation>
    </message>
    <message>
        <source>Verify the ledger</source>
        <translation>校验账本</translation>
    </message>
    <message>
        <source>Send now</source>
        <translation>立即发送</translation>
    </message>
    <message>
        <source>This workstation&apos;s ledger</source>
        <translation>本机账本</translation>
    </message>
    <message>
        <source>The security office&apos;s trail (every workstation)</source>
        <translation>安全办公室的审计记录（全部工作站）</translation>
    </message>
    <message>
        <source>All events</source>
        <translation>全部事件</translation>
    </message>
    <message>
        <source>All employees</source>
        <translation>全部员工</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>审计记录</translation>
    </message>
    <message>
        <source>Export the audit trail</source>
        <translation>导出审计记录</translation>
    </message>
    <message>
        <source>Excel workbook (*.xlsx)</source>
        <translation>Excel 工作簿 (*.xlsx)</translation>
    </message>
    <message>
        <source>ExportGuard</source>
        <translation>数据外发卫士</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <source>Reading the office&apos;s trail from {url}…</source>
        <translation>正在从 {url} 读取安全办公室的审计记录…</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在发送…</translation>
    </message>
    <message>
        <source>This workstation does not report to a security office&apos;s service: its records are kept here only.</source>
        <translation>本机未接入安全办公室的证据服务：记录只保存在本机。</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未发送</translation>
    </message>
    <message numerus="yes">
        <source>%Ln record(s). Press “Verify the ledger” to check that none was changed, removed or inserted.</source>
        <translation>
            <numerusform>共 %Ln 条记录。点击“校验账本”，检查记录有没有被修改、删除或插入。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>✔ Ledger intact: all %Ln record(s) are authentic and none is missing.</source>
        <translation>
            <numerusform>✔ 账本完整：%Ln 条记录全部真实，没有缺失。</numerusform>
        </translation>
    </message>
    <message>
        <source>{time} · {event} · {employee}: {details}</source>
        <translation>{time} · {event} · {employee}：{details}</translation>
    </message>
    <message>
        <source>Reports to the security office&apos;s service as {name}: every record has been sent; last sent {time}.</source>
        <translation>本机以“{name}”的名义向安全办公室的证据服务报送：所有记录均已发送；上次发送：{time}。</translation>
    </message>
    <message>
        <source>Unlock the keys (Keys page) to read and verify the ledger.</source>
        <translation>请先在“密钥”页解锁密钥，才能查看和校验账本。</translation>
    </message>
    <message>
        <source>• Record {seq} of workstation {workstation}: {problem}</source>
        <translation>• 工作站 {workstation} 的第 {seq} 条记录：{problem}</translation>
    </message>
    <message>
        <source>✘ The ledger has been tampered with. Problem records:
{lines}</source>
        <translation>✘ 账本已被篡改。有问题的记录：
{lines}</translation>
    </message>
</context>
<context>
    <name>ColumnsModel</name>
    <message>
        <source>Role for the risk</source>
        <translation>识别风险中的角色</translation>
    </message>
    <message>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>表头</translation>
    </message>
    <message>
        <source>Detected kind</source>
        <translation>识别类型</translation>
    </message>
    <message>
        <source>Confidence</source>
        <translation>置信度</translation>
    </message>
    <message>
        <source>Action in the export</source>
        <translation>导出时的处理方式</translation>
    </message>
    <message>
        <source>{letter} (hidden)</source>
        <translation>{letter}（隐藏列）</translation>
    </message>
    <message>
        <source>(no header)</source>
        <translation>（无表头）</translation>
    </message>
</context>
<context>
    <name>ExportPage</name>
    <message>
        <source>Who receives it, and why</source>
        <translation>发给谁，做什么用</translation>
    </message>
    <message>
        <source>Recipient:</source>
        <translation>接收方：</translation>
    </message>
    <message>
        <source>Purpose:</source>
        <translation>用途：</translation>
    </message>
    <message>
        <source>Format:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <source>Save as:</source>
        <translation>保存为：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Approval code:</source>
        <translation>审批码：</translation>
    </message>
    <message>
        <source>e.g. the bank or contractor receiving the file</source>
        <translation>例如：接收文件的银行或外包单位</translation>
    </message>
    <message>
        <source>e.g. arrears collection for November</source>
        <translation>例如：11 月欠费催缴</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Request approval…</source>
        <translation>申请审批…</translation>
    </message>
    <message>
        <source>Write a request (a file and a QR code) for the security office: the file&apos;s fingerprint, the recipient, the purpose and the rows</source>
        <translation>为安全办公室生成审批申请（文件和二维码）：包含文件指纹、接收方、用途和行数</translation>
    </message>
    <message>
        <source>Protect with a password (Excel only; the password is made for you and shown once after the export)</source>
        <translation>加密码保护（仅 Excel；密码由系统生成，导出后只显示一次）</translation>
    </message>
    <message>
        <source>Only for bulk exports: the EGA1-… code from the security office</source>
        <translation>仅批量导出需要：安全办公室给出的 EGA1-… 审批码</translation>
    </message>
    <message>
        <source>Policy check</source>
        <translation>策略检查</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Export finished</source>
        <translation>导出完成</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <source>Open a file first; then check its columns on the Review page.</source>
        <translation>请先打开文件，再到“审阅”页检查各列。</translation>
    </message>
    <message>
        <source>{name}: waiting for the scan to finish…</source>
        <translation>{name}：正在等待扫描完成…</translation>
    </message>
    <message>
        <source>Not exported (hidden): {names}.</source>
        <translation>不导出（隐藏）：{names}。</translation>
    </message>
    <message>
        <source>The policy check appears once a file is open and scanned.</source>
        <translation>打开并扫描文件后，这里显示策略检查结果。</translation>
    </message>
    <message>
        <source>✔ The policy allows this export.</source>
        <translation>✔ 策略允许本次导出。</translation>
    </message>
    <message>
        <source>✘ The export is blocked. To fix it:
{lines}</source>
        <translation>✘ 导出被阻止。请按以下提示修改：
{lines}</translation>
    </message>
    <message>
        <source>Only Excel (.xlsx) files can have a password.</source>
        <translation>只有 Excel (.xlsx) 文件可以加密码。</translation>
    </message>
    <message>
        <source>✘ {problem}</source>
        <translation>✘ {problem}</translation>
    </message>
    <message>
        <source>They are needed to protect and watermark this export.</source>
        <translation>保护这次导出并加水印需要用到密钥。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>{action} × {count}</source>
        <translation>{action} × {count}</translation>
    </message>
    <message>
        <source>File: {file}
Rows: {rows}
Columns: {actions}
Export id: {export_id} (recorded in the audit ledger)</source>
        <translation>文件：{file}
行数：{rows}
各列处理：{actions}
导出编号：{export_id}（已记入审计账本）</translation>
    </message>
    <message>
        <source>Password of the file: {password}
Write it down now and give it to the recipient by another channel (telephone, not the same e-mail). It is not stored anywhere and will not be shown again.</source>
        <translation>文件密码：{password}
请立即记下，并通过其他渠道（例如电话，不要用同一封邮件）告诉接收方。密码不会保存，也不会再次显示。</translation>
    </message>
    <message>
        <source>ExportGuard</source>
        <translation>数据外发卫士</translation>
    </message>
    <message>
        <source>{name} already exists. Replace it?</source>
        <translation>{name} 已存在，要替换吗？</translation>
    </message>
    <message>
        <source>Save the exported file as</source>
        <translation>导出文件另存为</translation>
    </message>
    <message>
        <source>Excel (*.xlsx);;CSV (*.csv)</source>
        <translation>Excel 文件 (*.xlsx);;CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>They are needed to record the request in the audit ledger.</source>
        <translation>把申请记入审计账本需要用到密钥。</translation>
    </message>
    <message>
        <source>Send the request {request} (or show its QR code {qr}) to the security office. Paste the approval code they give you into “Approval code”.</source>
        <translation>请把审批申请 {request}（或其二维码 {qr}）交给安全办公室，再把他们给出的审批码粘贴到“审批码”一栏。</translation>
    </message>
    <message>
        <source>Save the approval request</source>
        <translation>保存审批申请</translation>
    </message>
    <message>
        <source>Approval request (*.egreq)</source>
        <translation>审批申请 (*.egreq)</translation>
    </message>
    <message>
        <source>approval request</source>
        <translation>审批申请</translation>
    </message>
    <message>
        <source>The folder could not be opened here. The exported file is in:
{folder}</source>
        <translation>无法在此打开文件夹。导出的文件位于：
{folder}</translation>
    </message>
    <message>
        <source>Export failed; nothing was written.</source>
        <translation>导出失败，没有写入任何文件。</translation>
    </message>
    <message>
        <source>Export cancelled; nothing was written.</source>
        <translation>导出已取消，没有写入任何文件。</translation>
    </message>
    <message>
        <source>{sentence} {next}</source>
        <translation>{sentence}{next}</translation>
    </message>
    <message>
        <source>The sheets have no column in common to filter on.</source>
        <translation>这几个工作表没有共同的列，无法按列筛选。</translation>
    </message>
    <message>
        <source>✘ No row is chosen: change the rows or the filter under “Export fewer rows”.</source>
        <translation>✘ 没有选中任何行：请在“少导出一些行”中修改行的范围或筛选条件。</translation>
    </message>
    <message numerus="yes">
        <source>%Ln row(s) in {seconds} s</source>
        <translation>
            <numerusform>%Ln 行，用时 {seconds} 秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n sheet(s)</source>
        <translation>
            <numerusform>%n 个工作表</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Preparing… %n s</source>
        <translation>
            <numerusform>正在准备… %n 秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name}: %Ln row(s) from {sheets} will be exported with the actions chosen on the Review page.</source>
        <translation>
            <numerusform>{name}：将按“审阅”页选择的处理方式，从 {sheets}导出 %Ln 行。</numerusform>
        </translation>
    </message>
    <message>
        <source>(row 1 is the first row under the header)</source>
        <translation>行（第 1 行是表头下的第一行）</translation>
    </message>
    <message>
        <source>Choose a range of rows or only the rows you need, so that no approval is needed</source>
        <translation>只导出一段行或所需的行，这样就不需要审批</translation>
    </message>
    <message>
        <source>Counting the rows chosen; the policy check follows.</source>
        <translation>正在统计选中的行数，随后进行策略检查。</translation>
    </message>
    <message>
        <source>Counting the rows that match…{share}</source>
        <translation>正在统计符合条件的行…{share}</translation>
    </message>
    <message>
        <source>Export fewer rows</source>
        <translation>少导出一些行</translation>
    </message>
    <message>
        <source>Export fewer rows…</source>
        <translation>少导出一些行…</translation>
    </message>
    <message>
        <source>No approval code was found in {name}. Take the picture again, closer and straight on, or paste the code.</source>
        <translation>在 {name} 中没有找到审批码。请靠近、正对二维码重新拍照，或直接粘贴审批码。</translation>
    </message>
    <message>
        <source>Only rows</source>
        <translation>只导出第</translation>
    </message>
    <message>
        <source>Only rows where</source>
        <translation>只导出这些行：</translation>
    </message>
    <message>
        <source>Picture of the approval code</source>
        <translation>审批码图片</translation>
    </message>
    <message>
        <source>Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;所有文件 (*)</translation>
    </message>
    <message>
        <source>QR codes cannot be read on this computer; paste the approval code instead.</source>
        <translation>这台电脑无法识别二维码，请直接粘贴审批码。</translation>
    </message>
    <message>
        <source>Read from picture…</source>
        <translation>从图片识别…</translation>
    </message>
    <message>
        <source>Read the approval code from a photo or screenshot of the QR code the security office shows; pasting the code works too</source>
        <translation>从安全管理部门出示的二维码照片或截图中识别审批码；也可以直接粘贴审批码</translation>
    </message>
    <message>
        <source>Rows chosen: {selection}</source>
        <translation>选择的行：{selection}</translation>
    </message>
    <message>
        <source>The text to look for is too long.</source>
        <translation>要查找的内容太长。</translation>
    </message>
    <message>
        <source>Tick “Only rows” or “Only rows where” to choose the rows.</source>
        <translation>勾选“只导出第…行”或“只导出这些行”来选择要导出的行。</translation>
    </message>
    <message>
        <source>contains</source>
        <translation>包含</translation>
    </message>
    <message>
        <source>e.g. 城东区</source>
        <translation>例如：城东区</translation>
    </message>
    <message>
        <source>is</source>
        <translation>等于</translation>
    </message>
    <message>
        <source>to</source>
        <translation>行 至 第</translation>
    </message>
    <message>
        <source>{chosen} of {total} will be exported ({selection}).</source>
        <translation>将导出 {total} 行中的 {chosen}（{selection}）。</translation>
    </message>
    <message>
        <source>{done} / {total}</source>
        <translation>{done} / {total}</translation>
    </message>
    <message>
        <source>{name} could not be read as a picture.</source>
        <translation>{name} 不是可以读取的图片。</translation>
    </message>
    <message>
        <source>{name}: counting the rows chosen…</source>
        <translation>{name}：正在统计选中的行数…</translation>
    </message>
    <message>
        <source>{progress} · estimating the time left…</source>
        <translation>{progress} · 正在估算剩余时间…</translation>
    </message>
    <message>
        <source>{progress} · {rate} rows/s · {left}</source>
        <translation>{progress} · 每秒 {rate} 行 · {left}</translation>
    </message>
    <message>
        <source>✔ Approved by {approver} for up to {rows}, valid until {date}.</source>
        <translation>✔ 已由 {approver} 审批，最多 {rows}，有效期至 {date}。</translation>
    </message>
</context>
<context>
    <name>FieldsDialog</name>
    <message>
        <source>Repeat:</source>
        <translation>再输一次：</translation>
    </message>
    <message>
        <source>The two entries differ.</source>
        <translation>两次输入不一致。</translation>
    </message>
    <message>
        <source>The passphrase is too easy to guess.</source>
        <translation>口令太容易被猜到。</translation>
    </message>
</context>
<context>
    <name>KeysPage</name>
    <message>
        <source>Keystore</source>
        <translation>密钥库</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Organisation:</source>
        <translation>单位：</translation>
    </message>
    <message>
        <source>Active key:</source>
        <translation>当前密钥：</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Create new keys…</source>
        <translation>新建密钥…</translation>
    </message>
    <message>
        <source>Import organisation keys…</source>
        <translation>导入单位密钥…</translation>
    </message>
    <message>
        <source>Unlock…</source>
        <translation>解锁…</translation>
    </message>
    <message>
        <source>Change passphrase…</source>
        <translation>修改口令…</translation>
    </message>
    <message>
        <source>The keys make pseudonyms, encryption and watermarks. Every workstation of an organisation should import the same organisation keys from the security office, so that pseudonyms agree and leaked files can be traced. Protect the keys with a passphrase.</source>
        <translation>密钥用于生成假名、加密和水印。同一单位的每台电脑都应从安全办公室导入同一套单位密钥，这样假名才能一致，泄露的文件也才能追溯。请为密钥设置口令。</translation>
    </message>
    <message>
        <source>(not set)</source>
        <translation>（未设置）</translation>
    </message>
    <message>
        <source>set</source>
        <translation>已设置</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <source>No keys on this workstation yet: create new keys, or import the organisation&apos;s keys from the security office.</source>
        <translation>本机还没有密钥：请新建密钥，或从安全办公室导入单位密钥。</translation>
    </message>
    <message>
        <source>The keys are locked: unlock them with the passphrase.</source>
        <translation>密钥已锁定：请输入口令解锁。</translation>
    </message>
    <message>
        <source>Keys ready, but not protected by a passphrase: set one.</source>
        <translation>密钥可用，但没有口令保护：请设置口令。</translation>
    </message>
    <message>
        <source>Keys ready and protected by a passphrase.</source>
        <translation>密钥可用，并已受口令保护。</translation>
    </message>
    <message>
        <source>They are needed to add the organisation&apos;s keys to them.</source>
        <translation>导入单位密钥需要先解锁本机密钥。</translation>
    </message>
    <message>
        <source>Imported the keys of “{organisation}”.</source>
        <translation>已导入“{organisation}”的密钥。</translation>
    </message>
    <message>
        <source>The passphrase was changed.</source>
        <translation>口令已修改。</translation>
    </message>
    <message>
        <source>ExportGuard</source>
        <translation>数据外发卫士</translation>
    </message>
    <message>
        <source>No keys on this workstation yet. Import the organisation keys from the security office, or create new keys for this workstation?</source>
        <translation>本机还没有密钥。要从安全办公室导入单位密钥，还是为本机新建密钥？</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>以后再说</translation>
    </message>
    <message>
        <source>this workstation</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>The keys of {unit} are locked.</source>
        <translation>{unit}的密钥已锁定。</translation>
    </message>
    <message>
        <source>Unlock the keys</source>
        <translation>解锁密钥</translation>
    </message>
    <message>
        <source>Keystore passphrase:</source>
        <translation>密钥库口令：</translation>
    </message>
    <message numerus="yes">
        <source>{key} (%n key(s) in total)</source>
        <translation>
            <numerusform>{key}（共 %n 个密钥）</numerusform>
        </translation>
    </message>
    <message>
        <source>Create new keys</source>
        <translation>新建密钥</translation>
    </message>
    <message>
        <source>The passphrase protects the keys on this computer; it cannot be recovered.</source>
        <translation>口令保护本机上的密钥；忘记后无法找回。</translation>
    </message>
    <message>
        <source>Organisation key bundle</source>
        <translation>单位密钥包</translation>
    </message>
    <message>
        <source>Key bundles (*.json *.bundle);;All files (*)</source>
        <translation>密钥包 (*.json *.bundle);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Bundle passphrase:</source>
        <translation>密钥包口令：</translation>
    </message>
    <message>
        <source>New passphrase:</source>
        <translation>新口令：</translation>
    </message>
    <message>
        <source>Current passphrase:</source>
        <translation>当前口令：</translation>
    </message>
    <message>
        <source>Change passphrase</source>
        <translation>修改口令</translation>
    </message>
</context>
<context>
    <name>LedgerModel</name>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Export id</source>
        <translation>导出编号</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>接收方</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Purpose</source>
        <translation>用途</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>行数</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>{time} UTC</source>
        <translation>{time}（UTC 时间）</translation>
    </message>
    <message>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>ExportGuard</source>
        <translation>数据外发卫士 ExportGuard</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>审阅</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>追溯</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>审计</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>密钥</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Open file…</source>
        <translation>打开文件…</translation>
    </message>
    <message>
        <source>Open the Excel or CSV file to be sent out</source>
        <translation>打开要外发的 Excel 或 CSV 文件</translation>
    </message>
    <message>
        <source>Recent files</source>
        <translation>最近打开</translation>
    </message>
    <message>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <source>Open a file, or drop it here.</source>
        <translation>请打开一个文件，或把文件拖到这里。</translation>
    </message>
    <message>
        <source>Reading {name}…</source>
        <translation>正在读取 {name}…</translation>
    </message>
    <message>
        <source>Open file</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>Spreadsheets (*.xlsx *.xlsm *.xlsb *.xls *.et *.ods *.csv *.tsv *.txt);;All files (*)</source>
        <translation>表格文件 (*.xlsx *.xlsm *.xlsb *.xls *.et *.ods *.csv *.tsv *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>(none yet)</source>
        <translation>（暂无）</translation>
    </message>
    <message>
        <source>Scanning {name}: sheet {done} of {total}</source>
        <translation>正在扫描 {name}：第 {done}/{total} 个工作表</translation>
    </message>
    <message>
        <source>The file could not be opened.</source>
        <translation>未能打开文件。</translation>
    </message>
    <message numerus="yes">
        <source>{name}: %Ln data row(s) scanned.</source>
        <translation>
            <numerusform>{name}：已扫描 %Ln 行数据。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PreviewModel</name>
    <message>
        <source>(no header)</source>
        <translation>（无表头）</translation>
    </message>
    <message>
        <source>{header}
(detecting…)</source>
        <translation>{header}
（识别中…）</translation>
    </message>
    <message>
        <source>exported</source>
        <translation>导出后</translation>
    </message>
    <message>
        <source>{header} ⟶
{action}</source>
        <translation>{header} ⟶
{action}</translation>
    </message>
    <message>
        <source>{header}
{kind}</source>
        <translation>{header}
{kind}</translation>
    </message>
    <message>
        <source>{header}
{kind}, {confidence}</source>
        <translation>{header}
{kind}，{confidence}</translation>
    </message>
    <message>
        <source>Excel already cut this number to 15 digits.</source>
        <translation>Excel 已把这个数字截断为 15 位。</translation>
    </message>
    <message>
        <source>(removed)</source>
        <translation>（删除）</translation>
    </message>
    <message>
        <source>(row left out)</source>
        <translation>（此行不导出）</translation>
    </message>
    <message>
        <source>(not chosen)</source>
        <translation>（未选中）</translation>
    </message>
    <message>
        <source>A rare combination: the accepted generalization leaves this row out of the export.</source>
        <translation>组合罕见：已接受的泛化建议会把这一行排除在导出之外。</translation>
    </message>
    <message>
        <source>Not among the rows chosen under “Export fewer rows”: this row is not exported.</source>
        <translation>不在“少导出一些行”选中的范围内：这一行不会导出。</translation>
    </message>
    <message>
        <source>(keys needed)</source>
        <translation>（需要密钥）</translation>
    </message>
</context>
<context>
    <name>QAbstractFileIconProvider</name>
    <message>
        <source>Folder</source>
        <comment>All other platforms</comment>
        <translation>文件夹</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <source>Accept the suggestion</source>
        <translation>接受建议</translation>
    </message>
    <message>
        <source>Sheets</source>
        <translation>工作表</translation>
    </message>
    <message>
        <source>Columns: what each holds, and what the export does with it</source>
        <translation>各列内容，以及导出时如何处理</translation>
    </message>
    <message>
        <source>Preview of the first rows</source>
        <translation>前几行预览</translation>
    </message>
    <message>
        <source>Personal data outside the table</source>
        <translation>表格之外的个人信息</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>Before and after</source>
        <translation>处理前后对照</translation>
    </message>
    <message>
        <source>Original values</source>
        <translation>原始值</translation>
    </message>
    <message>
        <source>As exported</source>
        <translation>导出后的值</translation>
    </message>
    <message>
        <source>Measuring the re-identification risk over all {rows}…</source>
        <translation>正在全部 {rows}上测算重识别风险…</translation>
    </message>
    <message>
        <source>Open an Excel or CSV file (toolbar, or drop it on this window) to see what it holds before it leaves the building.</source>
        <translation>打开 Excel 或 CSV 文件（工具栏，或拖到本窗口），在外发前看清文件里有什么。</translation>
    </message>
    <message>
        <source>{name}: reading the file and detecting personal data…</source>
        <translation>{name}：正在读取文件并识别个人信息…</translation>
    </message>
    <message>
        <source>Detecting kinds…</source>
        <translation>正在识别类型…</translation>
    </message>
    <message>
        <source>Unlock the keys (Keys page) to preview the exported values.</source>
        <translation>请在“密钥”页解锁密钥，才能预览导出后的值。</translation>
    </message>
    <message>
        <source>Stand-in values depend on the recipient: enter the recipient on the Export page to see exactly what will be sent.</source>
        <translation>替换值取决于接收方：在“导出”页填写接收方后，这里显示的就是实际发出的内容。</translation>
    </message>
    <message>
        <source>The preview shows what {recipient} will receive.</source>
        <translation>预览显示的就是{recipient}将收到的内容。</translation>
    </message>
    <message>
        <source>Hidden sheets are not exported.</source>
        <translation>隐藏的工作表不会导出。</translation>
    </message>
    <message>
        <source>Personal data hidden outside the table will be listed here.</source>
        <translation>藏在表格之外的个人信息会列在这里。</translation>
    </message>
    <message numerus="yes">
        <source>Found personal data in %n place(s) outside the visible table (hidden sheets and columns, comments, document properties…). The exported file is rebuilt from the table&apos;s values only:</source>
        <translation>
            <numerusform>在可见表格之外发现 %n 处个人信息（隐藏的工作表和列、批注、文档属性等）。导出文件只用表格中的值重新生成：</numerusform>
        </translation>
    </message>
    <message>
        <source>No personal data found outside the table.</source>
        <translation>表格之外没有发现个人信息。</translation>
    </message>
    <message numerus="yes">
        <source>%n sheet(s)</source>
        <translation>
            <numerusform>%n 个工作表</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{name}: {sheets}, %Ln data row(s). Check each column&apos;s action; the preview shows the result.</source>
        <translation>
            <numerusform>{name}：{sheets}，%Ln 行数据。请检查每列的处理方式，预览会显示处理结果。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>This workstation</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>界面语言：</translation>
    </message>
    <message>
        <source>Recent files:</source>
        <translation>最近打开的文件：</translation>
    </message>
    <message>
        <source>Clear the list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <source>The security office&apos;s evidence service</source>
        <translation>安全办公室的证据服务</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>服务地址：</translation>
    </message>
    <message>
        <source>Token (investigator or auditor):</source>
        <translation>令牌（调查员或审计员）：</translation>
    </message>
    <message>
        <source>Remember the token in this computer&apos;s secret store (for my account)</source>
        <translation>在本机的系统凭据库中记住令牌（仅限我的账户）</translation>
    </message>
    <message>
        <source>This computer has no secret store for your account: the token is kept only until ExportGuard closes.</source>
        <translation>本机没有可供您的账户使用的系统凭据库：令牌只保留到本软件关闭。</translation>
    </message>
    <message>
        <source>The token is in use, but this computer&apos;s secret store did not keep it: it is kept only until ExportGuard closes.</source>
        <translation>令牌已启用，但本机的系统凭据库未能保存它：令牌只保留到本软件关闭。</translation>
    </message>
    <message>
        <source>In use: trace searches every workstation&apos;s exports there, and the Audit page can show the office&apos;s trail. The token is kept in this computer&apos;s secret store for your account, never in a settings file.</source>
        <translation>已启用：溯源将检索所有工作站的导出记录，审计页可查看安全办公室的审计记录。令牌保存在本机的系统凭据库中（仅限您的账户），不会写入设置文件。</translation>
    </message>
    <message>
        <source>Use this service</source>
        <translation>使用此服务</translation>
    </message>
    <message>
        <source>Home folder (keys, ledger, settings):</source>
        <translation>数据文件夹（密钥、账本、设置）：</translation>
    </message>
    <message>
        <source>Export policy:</source>
        <translation>外发策略：</translation>
    </message>
    <message>
        <source>the built-in default, not signed by the security office</source>
        <translation>内置默认策略，未经安全办公室签名</translation>
    </message>
    <message>
        <source>signed by the security office ({signer})</source>
        <translation>安全办公室签发（{signer}）</translation>
    </message>
    <message>
        <source>{file}, not signed by the security office</source>
        <translation>{file}，未经安全办公室签名</translation>
    </message>
    <message>
        <source>{version} ({source})</source>
        <translation>{version}（{source}）</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>In use: trace searches every workstation&apos;s exports there, and the Audit page can show the office&apos;s trail. The token is kept only until ExportGuard closes.</source>
        <translation>已启用：溯源将检索所有工作站的导出记录，审计页可查看安全办公室的审计记录。令牌只保留到本软件关闭。</translation>
    </message>
    <message>
        <source>Not in use: trace searches this workstation&apos;s audit ledger only. The office gives investigators and auditors a token (&apos;exportguard server token&apos;).</source>
        <translation>未启用：溯源只检索本机审计账本。调查员和审计员的令牌由安全办公室发放（命令 exportguard server token）。</translation>
    </message>
</context>
<context>
    <name>TracePage</name>
    <message>
        <source>The leaked data</source>
        <translation>泄露的数据</translation>
    </message>
    <message>
        <source>Where it came from</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Every export carries watermarks. Give the leaked file, or paste a few of its rows, to find the export it comes from.</source>
        <translation>每次导出都带有水印。提供泄露的文件，或粘贴其中几行，即可找出它来自哪一次导出。</translation>
    </message>
    <message>
        <source>Choose file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>…or paste rows here (copied from Excel, a web page or a chat):</source>
        <translation>…或把几行数据粘贴到这里（从 Excel、网页或聊天记录复制）：</translation>
    </message>
    <message>
        <source>Investigator:</source>
        <translation>调查人：</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>追溯</translation>
    </message>
    <message>
        <source>Save report…</source>
        <translation>保存报告…</translation>
    </message>
    <message>
        <source>Recipient</source>
        <translation>接收方</translation>
    </message>
    <message>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Confidence</source>
        <translation>可信度</translation>
    </message>
    <message>
        <source>Searches every workstation&apos;s exports at the security office&apos;s service ({url}).</source>
        <translation>将在安全办公室的证据服务（{url}）中检索所有工作站的导出记录。</translation>
    </message>
    <message>
        <source>Searches this workstation&apos;s audit ledger.</source>
        <translation>将检索本机审计账本。</translation>
    </message>
    <message>
        <source>en</source>
        <comment>the language code of this translation: the trace report is written in it</comment>
        <translation>zh_CN</translation>
    </message>
    <message>
        <source>They are needed to read the watermarks of the leaked data.</source>
        <translation>读取泄露数据中的水印需要用到密钥。</translation>
    </message>
    <message>
        <source>{user} ({workstation})</source>
        <translation>{user}（{workstation}）</translation>
    </message>
    <message>
        <source>No export can be named with confidence yet; about {rows} more of the leaked data would be needed.</source>
        <translation>目前还不能确定来自哪次导出；大约还需要 {rows}泄露的数据。</translation>
    </message>
    <message>
        <source>PDF (*.pdf);;Web page (*.html)</source>
        <translation>PDF 文件 (*.pdf);;网页 (*.html)</translation>
    </message>
    <message>
        <source>Drop the leaked file here (.xlsx or .csv)</source>
        <translation>把泄露的文件拖到这里（.xlsx 或 .csv）</translation>
    </message>
    <message numerus="yes">
        <source>Source: the security office&apos;s service ({url}), %Ln export(s) from every workstation.</source>
        <translation>
            <numerusform>证据来源：安全办公室的证据服务（{url}），全部工作站的 %Ln 次导出。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The security office&apos;s service ({url}) could not be reached (no network, or the service is down), so only this workstation&apos;s audit ledger was searched (%Ln export(s)). Trace again when it can be reached.</source>
        <translation>
            <numerusform>无法连接安全办公室的证据服务（{url}）（网络不通或服务未运行），因此只检索了本机审计账本（%Ln 次导出）。请在恢复连接后重新溯源。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Source: this workstation&apos;s audit ledger, %Ln export(s).</source>
        <translation>
            <numerusform>证据来源：本机审计账本，%Ln 次导出。</numerusform>
        </translation>
    </message>
    <message>
        <source>File: {name}</source>
        <translation>文件：{name}</translation>
    </message>
    <message>
        <source>Choose or drop a file, or paste rows, first.</source>
        <translation>请先选择或拖入文件，或粘贴几行数据。</translation>
    </message>
    <message>
        <source>Tracing…</source>
        <translation>正在追溯…</translation>
    </message>
    <message>
        <source>Traced: this data comes from export {export_id} to {recipient}.</source>
        <translation>已追溯：这些数据来自导出 {export_id}（接收方：{recipient}）。</translation>
    </message>
    <message>
        <source>No export matches this data.</source>
        <translation>没有与这些数据相符的导出记录。</translation>
    </message>
    <message>
        <source>The leaked file</source>
        <translation>泄露的文件</translation>
    </message>
    <message>
        <source>Spreadsheets (*.xlsx *.xlsm *.csv *.txt);;All files (*)</source>
        <translation>表格文件 (*.xlsx *.xlsm *.csv *.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save the trace report</source>
        <translation>保存追溯报告</translation>
    </message>
    <message>
        <source>ExportGuard</source>
        <translation>数据外发卫士</translation>
    </message>
</context>
<context>
    <name>actions</name>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Remove column</source>
        <translation>删除该列</translation>
    </message>
    <message>
        <source>Replace with a constant</source>
        <translation>替换为常量</translation>
    </message>
    <message>
        <source>Mask</source>
        <translation>遮盖</translation>
    </message>
    <message>
        <source>Pseudonymize</source>
        <translation>假名化</translation>
    </message>
    <message>
        <source>Encrypt</source>
        <translation>加密</translation>
    </message>
    <message>
        <source>Hash</source>
        <translation>哈希</translation>
    </message>
    <message>
        <source>Generalize</source>
        <translation>泛化</translation>
    </message>
    <message>
        <source>The values leave unchanged.</source>
        <translation>原样导出，不做处理。</translation>
    </message>
    <message>
        <source>The column is left out of the exported file.</source>
        <translation>导出文件中不包含这一列。</translation>
    </message>
    <message>
        <source>Every value becomes the same placeholder.</source>
        <translation>每个值都替换成同一个占位符。</translation>
    </message>
    <message>
        <source>Part of each value is hidden with *, as in 138****5678.</source>
        <translation>用 * 遮住每个值的一部分，例如 138****5678。</translation>
    </message>
    <message>
        <source>Each value becomes a realistic stand-in that cannot be reversed; the same value always gets the same stand-in for this recipient.</source>
        <translation>每个值替换成格式真实、无法还原的替身；对同一接收方，相同的值总是得到相同的替身。</translation>
    </message>
    <message>
        <source>Each value is encrypted; the security office can decrypt it.</source>
        <translation>每个值都加密；安全办公室可以解密。</translation>
    </message>
    <message>
        <source>Each value becomes a keyed fingerprint that cannot be reversed.</source>
        <translation>每个值变成无法还原的带密钥指纹。</translation>
    </message>
    <message>
        <source>Values are made coarser: an address becomes its district, a date its month.</source>
        <translation>把值变粗略：地址只保留到区县，日期只保留到月份。</translation>
    </message>
    <message>
        <source>left as it is</source>
        <translation>原样保留，不做处理</translation>
    </message>
    <message>
        <source>the column is not sent</source>
        <translation>这一列不发出</translation>
    </message>
    <message>
        <source>every value becomes the same placeholder</source>
        <translation>每个值都换成同一个占位符</translation>
    </message>
    <message>
        <source>part of each value is hidden with *</source>
        <translation>用 * 遮住每个值的一部分</translation>
    </message>
    <message>
        <source>a different value of the same format, the same for this recipient; cannot be reversed</source>
        <translation>换成同格式的另一个值，对同一接收方始终一致，无法还原</translation>
    </message>
    <message>
        <source>a coded value; only the security office can restore it</source>
        <translation>换成密文，只有安全部门能还原</translation>
    </message>
    <message>
        <source>a fingerprint that cannot be reversed</source>
        <translation>换成无法还原的指纹</translation>
    </message>
    <message>
        <source>made coarser: an address to its district, a date to its month</source>
        <translation>变粗略：地址只到区县，日期只到月份</translation>
    </message>
    <message>
        <source>{action}: {summary}</source>
        <translation>{action}：{summary}</translation>
    </message>
    <message>
        <source>(not sent)</source>
        <translation>（不发出）</translation>
    </message>
    <message>
        <source>{line} · {before} → {after}</source>
        <translation>{line} · {before} → {after}</translation>
    </message>
</context>
<context>
    <name>confidence</name>
    <message>
        <source>certain</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>likely</source>
        <translation>很可能</translation>
    </message>
    <message>
        <source>possible</source>
        <translation>可能</translation>
    </message>
    <message>
        <source>not detected</source>
        <translation>未识别</translation>
    </message>
    <message>
        <source>{words} ({percent})</source>
        <translation>{words}（{percent}）</translation>
    </message>
</context>
<context>
    <name>counts</name>
    <message numerus="yes">
        <source>%Ln row(s)</source>
        <translation>
            <numerusform>%Ln 行</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n second(s) left</source>
        <translation>
            <numerusform>约剩 %n 秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>about %n minute(s) left</source>
        <translation>
            <numerusform>约剩 %n 分钟</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>This file cannot be read</source>
        <translation>无法读取这个文件</translation>
    </message>
    <message>
        <source>The export policy does not allow this</source>
        <translation>单位的数据外发策略不允许这样做</translation>
    </message>
    <message>
        <source>Problem with the keys</source>
        <translation>密钥有问题</translation>
    </message>
    <message>
        <source>The output file cannot be written</source>
        <translation>无法写入输出文件</translation>
    </message>
    <message>
        <source>Invalid request</source>
        <translation>操作有误</translation>
    </message>
    <message>
        <source>The security office&apos;s service could not be reached</source>
        <translation>无法连接安全办公室的证据服务</translation>
    </message>
    <message>
        <source>An integrity check failed</source>
        <translation>完整性校验未通过</translation>
    </message>
    <message>
        <source>The operation did not complete</source>
        <translation>操作未完成</translation>
    </message>
    <message>
        <source>{heading}: {detail}</source>
        <translation>{heading}：{detail}</translation>
    </message>
    <message>
        <source>An internal error occurred; details are in the log.</source>
        <translation>发生内部错误，详情已写入日志。</translation>
    </message>
</context>
<context>
    <name>events</name>
    <message>
        <source>{written}; {deidentification}</source>
        <translation>{written}；{deidentification}</translation>
    </message>
    <message>
        <source>{sheet}: k = {k} on {columns} (risk {risk:.0%})</source>
        <translation>{sheet}：按 {columns} 分组 k = {k}（风险 {risk:.0%}）</translation>
    </message>
    <message>
        <source>no quasi-identifier</source>
        <translation>无准标识符</translation>
    </message>
    <message>
        <source>grade {grade}; {sheets}</source>
        <translation>数据级别 {grade}；{sheets}</translation>
    </message>
    <message>
        <source>; generalized: {columns}</source>
        <translation>；已泛化：{columns}</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <source>Export refused</source>
        <translation>外发被拒绝</translation>
    </message>
    <message>
        <source>Export cancelled</source>
        <translation>外发已取消</translation>
    </message>
    <message>
        <source>Decrypt</source>
        <translation>解密</translation>
    </message>
    <message>
        <source>Approval</source>
        <translation>审批</translation>
    </message>
    <message>
        <source>Key change</source>
        <translation>密钥变更</translation>
    </message>
    <message>
        <source>Policy change</source>
        <translation>策略变更</translation>
    </message>
    <message>
        <source>Security office keys</source>
        <translation>安全办公室密钥</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Trace</source>
        <translation>追溯</translation>
    </message>
    <message>
        <source>Trace report saved</source>
        <translation>保存追溯报告</translation>
    </message>
    <message>
        <source>, {rows} left out (rare)</source>
        <translation>，{rows}稀有记录未导出</translation>
    </message>
    <message>
        <source>Refused: {rules}</source>
        <translation>被拒绝：{rules}</translation>
    </message>
    <message>
        <source>Stopped after {done} of {rows}; the partial file was removed.</source>
        <translation>共 {rows}，写到第 {done} 行时停止；未完成的文件已删除。</translation>
    </message>
    <message>
        <source>{rows} restored into {name}</source>
        <translation>已还原 {rows}到 {name}</translation>
    </message>
    <message>
        <source>Approval requested for {rows}</source>
        <translation>申请审批 {rows}</translation>
    </message>
    <message>
        <source>Approval code for up to {rows}, valid until {expires}</source>
        <translation>最多 {rows}的审批码，有效期至 {expires}</translation>
    </message>
    <message>
        <source>{rows} traced; named export {export_id}</source>
        <translation>追溯了 {rows}；认定来源为外发 {export_id}</translation>
    </message>
    <message>
        <source>{rows} traced; no export named</source>
        <translation>追溯了 {rows}；未能认定来源</translation>
    </message>
    <message>
        <source>Written to {name}</source>
        <translation>已写入 {name}</translation>
    </message>
    <message>
        <source>{format} report {name}, investigator {investigator}</source>
        <translation>{format} 报告 {name}，调查人 {investigator}</translation>
    </message>
    <message>
        <source>Keys created</source>
        <translation>已创建密钥</translation>
    </message>
    <message>
        <source>New active key</source>
        <translation>启用新密钥</translation>
    </message>
    <message>
        <source>Passphrase changed</source>
        <translation>已修改口令</translation>
    </message>
    <message>
        <source>Keys exported for another workstation</source>
        <translation>已导出密钥供其他工作站使用</translation>
    </message>
    <message>
        <source>The organisation&apos;s keys imported</source>
        <translation>已导入单位密钥</translation>
    </message>
    <message>
        <source>Policy {version} signed for the workstations</source>
        <translation>为各工作站签发了外发策略 {version}</translation>
    </message>
    <message>
        <source>Policy {version} installed, signed by {signer}</source>
        <translation>安装了外发策略 {version}（签发方 {signer}）</translation>
    </message>
    <message>
        <source>The office&apos;s keys created ({office_id})</source>
        <translation>新建了安全办公室密钥（{office_id}）</translation>
    </message>
    <message>
        <source>The office&apos;s keys rolled; now {office_id}</source>
        <translation>更换了安全办公室密钥，现为 {office_id}</translation>
    </message>
    <message>
        <source>Decryption key split into {shares} shares, any {threshold} restore it</source>
        <translation>解密密钥拆分为 {shares} 份，任意 {threshold} 份即可恢复</translation>
    </message>
    <message>
        <source>Decryption key restored from {shares} shares</source>
        <translation>用 {shares} 份拆分件恢复了解密密钥</translation>
    </message>
    <message>
        <source>{written} ({selection})</source>
        <translation>{written}（{selection}）</translation>
    </message>
</context>
<context>
    <name>findings</name>
    <message>
        <source>{place}: {kinds}. {outcome}</source>
        <translation>{place}：{kinds}。{outcome}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Will not be carried into the exported file.</source>
        <translation>不会带入导出文件。</translation>
    </message>
    <message>
        <source> “{header}”</source>
        <translation>“{header}”</translation>
    </message>
    <message>
        <source>Hidden column {column} of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”的隐藏列 {column}</translation>
    </message>
    <message>
        <source>Exported, protected by the action chosen for the column.</source>
        <translation>会导出，按该列选择的方式处理。</translation>
    </message>
    <message>
        <source>Hidden sheet “{sheet}”</source>
        <translation>隐藏工作表“{sheet}”</translation>
    </message>
    <message>
        <source>Hidden sheets are not exported.</source>
        <translation>隐藏的工作表不会导出。</translation>
    </message>
    <message>
        <source>{count} hidden rows of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”的 {count} 个隐藏行</translation>
    </message>
    <message>
        <source>Exported like the other rows, protected by each column&apos;s action.</source>
        <translation>和其他行一样导出，按各列的方式处理。</translation>
    </message>
    <message>
        <source>Comment on cell {cell} of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”单元格 {cell} 的批注</translation>
    </message>
    <message>
        <source>Hyperlink in cell {cell} of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”单元格 {cell} 的超链接</translation>
    </message>
    <message>
        <source>Formula in cell {cell} of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”单元格 {cell} 的公式</translation>
    </message>
    <message>
        <source>Drop-down list on {range} of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”{range} 的下拉列表</translation>
    </message>
    <message>
        <source>Page header or footer of sheet “{sheet}”</source>
        <translation>工作表“{sheet}”的页眉或页脚</translation>
    </message>
    <message>
        <source>Defined name “{name}”</source>
        <translation>名称“{name}”</translation>
    </message>
    <message>
        <source>Document property “{name}”</source>
        <translation>文档属性“{name}”</translation>
    </message>
    <message>
        <source>Custom document property “{name}”</source>
        <translation>自定义文档属性“{name}”</translation>
    </message>
</context>
<context>
    <name>kinds</name>
    <message>
        <source>Phone number</source>
        <translation>电话号码</translation>
    </message>
    <message>
        <source>Meter asset number</source>
        <translation>电能表资产编号</translation>
    </message>
    <message>
        <source>Account number</source>
        <translation>户号</translation>
    </message>
    <message>
        <source>Resident ID number</source>
        <translation>身份证号</translation>
    </message>
    <message>
        <source>Bank card number</source>
        <translation>银行卡号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮箱</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Text with personal data</source>
        <translation>含个人信息的文本</translation>
    </message>
    <message>
        <source>Not sensitive</source>
        <translation>非敏感</translation>
    </message>
</context>
<context>
    <name>layers</name>
    <message>
        <source>Identifiers carried</source>
        <translation>携带的标识</translation>
    </message>
    <message>
        <source>Recipient-specific pseudonyms</source>
        <translation>按接收方生成的假名</translation>
    </message>
    <message>
        <source>Hidden row marks</source>
        <translation>隐藏的行标记</translation>
    </message>
    <message>
        <source>Canary rows</source>
        <translation>诱饵行</translation>
    </message>
    <message>
        <source>Visible watermark</source>
        <translation>可见水印</translation>
    </message>
    <message>
        <source>Document properties</source>
        <translation>文档属性</translation>
    </message>
</context>
<context>
    <name>passphrase</name>
    <message>
        <source>very weak</source>
        <translation>很弱</translation>
    </message>
    <message>
        <source>weak</source>
        <translation>弱</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>一般</translation>
    </message>
    <message>
        <source>good</source>
        <translation>良好</translation>
    </message>
    <message>
        <source>strong</source>
        <translation>强</translation>
    </message>
    <message numerus="yes">
        <source>it is shorter than %n characters</source>
        <translation>
            <numerusform>不足 %n 个字符</numerusform>
        </translation>
    </message>
    <message>
        <source>it is a commonly used password</source>
        <translation>是常用密码</translation>
    </message>
    <message>
        <source>it contains a name</source>
        <translation>含有人名</translation>
    </message>
    <message>
        <source>it contains the organisation&apos;s name</source>
        <translation>含有单位名称</translation>
    </message>
    <message>
        <source>it follows the keyboard</source>
        <translation>是键盘上相邻的按键</translation>
    </message>
    <message>
        <source>it repeats characters</source>
        <translation>有重复的字符</translation>
    </message>
    <message>
        <source>it contains a sequence such as abc or 123</source>
        <translation>含有 abc、123 这样的连续字符</translation>
    </message>
    <message>
        <source>it contains a date</source>
        <translation>含有日期</translation>
    </message>
    <message>
        <source>it contains a year</source>
        <translation>含有年份</translation>
    </message>
    <message>
        <source>Strength: {level}.</source>
        <translation>强度：{level}。</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>{sentence} {next}</source>
        <translation>{sentence}{next}</translation>
    </message>
    <message>
        <source>Too easy to guess: {reasons}.</source>
        <translation>太容易被猜到：{reasons}。</translation>
    </message>
    <message>
        <source>At least “good” is needed: use four or more unrelated words, or a sentence only you would write.</source>
        <translation>至少需要“良好”：请用四个以上互不相关的词，或一句只有您会写的话。</translation>
    </message>
</context>
<context>
    <name>policy</name>
    <message>
        <source>Enter the recipient: say who receives this file.</source>
        <translation>请填写接收方：说明这份文件发给谁。</translation>
    </message>
    <message>
        <source>The recipient&apos;s name is too long; shorten it.</source>
        <translation>接收方名称太长，请缩短。</translation>
    </message>
    <message>
        <source>Enter the purpose: say why the file is sent.</source>
        <translation>请填写用途：说明为什么要发这份文件。</translation>
    </message>
    <message>
        <source>Nothing to export: every sheet is hidden or excluded.</source>
        <translation>没有可导出的内容：所有工作表都被隐藏或排除。</translation>
    </message>
    <message>
        <source>The policy requires a password, which a CSV file cannot have: choose Excel (.xlsx) as the format and tick “Protect with a password”.</source>
        <translation>策略要求加密码，而 CSV 文件无法加密码：请把格式选为 Excel (.xlsx)，并勾选“加密码保护”。</translation>
    </message>
    <message>
        <source>The policy requires the “{layer}” watermark, which a {format} file cannot carry: choose Excel (.xlsx) as the format.</source>
        <translation>策略要求“{layer}”水印，而 {format} 文件无法携带：请把格式选为 Excel (.xlsx)。</translation>
    </message>
    <message>
        <source>The policy requires a password: tick “Protect with a password”.</source>
        <translation>策略要求加密码：请勾选“加密码保护”。</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Column {column} holds {kind}; “{action}” is not allowed. Choose one of: {allowed}.</source>
        <translation>{column} 列是{kind}，不允许“{action}”。请从以下方式中选择：{allowed}。</translation>
    </message>
    <message>
        <source>{count} exports have not reached the security office yet (the policy allows {limit}): connect to the office network and synchronise first.</source>
        <translation>已有 {count} 次导出尚未送达安全办公室（策略最多允许 {limit} 次）：请先连接单位网络并同步。</translation>
    </message>
    <message>
        <source>An export has waited more than {hours} hours to reach the security office: connect to the office network and synchronise first.</source>
        <translation>有一次导出超过 {hours} 小时仍未送达安全办公室：请先连接单位网络并同步。</translation>
    </message>
    <message>
        <source>This computer&apos;s clock ({now}) is behind an export it has not yet sent to the security office ({newest}). Correct the clock; if it is right, synchronise first and export again.</source>
        <translation>本机时钟（{now}）早于一条尚未送达安全办公室的导出记录（{newest}）。请校正时钟；如时钟无误，请先同步再导出。</translation>
    </message>
    <message>
        <source>This approval code expired on {expires} by the security office&apos;s clock (now {now}): ask the security office for a new one.</source>
        <translation>按安全办公室的时钟，该审批码已于 {expires} 过期（现在是 {now}）：请向安全办公室申请新的审批码。</translation>
    </message>
    <message>
        <source>The security office&apos;s policy does not list “{recipient}” as a recipient. Choose one of: {allowed}.</source>
        <translation>安全办的策略没有列出接收方“{recipient}”。请从以下选择：{allowed}。</translation>
    </message>
    <message>
        <source>“{recipient}” is not among the recipients the policy lists: ask the security office for an approval code.</source>
        <translation>“{recipient}”不在策略列出的接收方之中：请向安全办申请审批码。</translation>
    </message>
    <message>
        <source>The policy does not list the purpose “{purpose}”. Choose one of: {allowed}.</source>
        <translation>策略没有列出用途“{purpose}”。请从以下选择：{allowed}。</translation>
    </message>
    <message>
        <source>The purpose “{purpose}” is not among those the policy lists: ask the security office for an approval code.</source>
        <translation>用途“{purpose}”不在策略列出的用途之中：请向安全办申请审批码。</translation>
    </message>
    <message>
        <source>{name} is not signed by the security office. This computer is managed by the office and uses only policies it signed.</source>
        <translation>{name} 没有安全办的签名。本机由安全办管理，只使用安全办签发的策略。</translation>
    </message>
    <message>
        <source>{path} is not signed by the security office. This computer uses only policies the office signed: remove that file, or install the office&apos;s signed policy.</source>
        <translation>{path} 没有安全办的签名。本机只使用安全办签发的策略：请删除该文件，或安装安全办签发的策略。</translation>
    </message>
    <message>
        <source>{name} was changed after the security office signed it. Install the policy exactly as the office sent it.</source>
        <translation>{name} 在安全办签名之后被改动过。请按安全办发来的原样安装策略。</translation>
    </message>
    <message>
        <source>{name} is signed by {signer}, not by the security office that manages this computer ({office}).</source>
        <translation>{name} 由 {signer} 签名，不是管理本机的安全办（{office}）。</translation>
    </message>
    <message>
        <source>This approval code was already used on {time}, by export {export_id}. An approval code allows one export: ask the security office for a new one.</source>
        <translation>该审批码已于 {time} 被导出 {export_id} 使用过。一个审批码只能用于一次导出：请向安全办申请新的审批码。</translation>
    </message>
    <message>
        <source>Columns {columns} would leave unchanged, and no watermark the policy requires for that can be placed: protect these columns.</source>
        <translation>{columns} 列将原样导出，但策略为此要求的水印都无法放置：请对这些列加以保护。</translation>
    </message>
    <message>
        <source>{rows} is more than the {threshold} allowed without approval: ask the security office for an approval code, or export fewer rows.</source>
        <translation>{rows}超过了无需审批的上限 {threshold} 行：请向安全办公室申请审批码，或减少导出的行数。</translation>
    </message>
    <message>
        <source>The approval code covers {approved}, but the export has {rows}.</source>
        <translation>审批码只允许 {approved}，本次导出有 {rows}。</translation>
    </message>
    <message>
        <source>Sheet {sheet}: {rows} can be singled out by {columns} (smallest group {k}, the policy asks for at least {min_k}): accept the suggested generalization, or drop those columns.</source>
        <translation>工作表 {sheet}：有 {rows}可凭 {columns} 识别到个人（最小分组 {k} 行，策略要求至少 {min_k} 行）：请接受建议的泛化，或删除这些列。</translation>
    </message>
    <message>
        <source>Column {column} ({kind}) leaves unchanged, as the policy allows.</source>
        <translation>{column} 列（{kind}）按策略允许原样导出。</translation>
    </message>
    <message>
        <source>Column {column} keeps text that contains {kinds}.</source>
        <translation>{column} 列保留的文本中含有{kinds}。</translation>
    </message>
    <message>
        <source>Sheet {sheet}, column {column}: {cells} cells hold {kinds}, but the column was to leave unchanged. Nothing was written: protect this column, or ask the security office to let found values be protected.</source>
        <translation>第 {sheet} 个工作表 {column} 列：有 {cells} 个单元格含有{kinds}，而该列原定原样导出。未写出任何文件：请保护这一列，或请安全管理部门允许对发现的内容自动保护。</translation>
    </message>
    <message>
        <source>Sheet {sheet}, column {column}: {cells} cells held {kinds}; they were protected.</source>
        <translation>第 {sheet} 个工作表 {column} 列：有 {cells} 个单元格含有{kinds}，已加以保护。</translation>
    </message>
</context>
<context>
    <name>risk</name>
    <message>
        <source>city only</source>
        <translation>只保留到市</translation>
    </message>
    <message>
        <source>province only</source>
        <translation>只保留到省</translation>
    </message>
    <message>
        <source>{years}-year bands</source>
        <translation>按 {years} 年分段</translation>
    </message>
    <message>
        <source>{sheet}: no column is a quasi-identifier; nothing in the export singles a row out.</source>
        <translation>{sheet}：没有准标识符列，导出内容不会单独指向某一行。</translation>
    </message>
    <message>
        <source>{sheet}: k = {k} on {columns}: every row shares these with at least {others} other rows (re-identification risk at most {risk:.0%}).</source>
        <translation>{sheet}：按 {columns} 分组，k = {k}：每一行都至少与另外 {others} 行相同（重识别风险至多 {risk:.0%}）。</translation>
    </message>
    <message>
        <source>the policy&apos;s minimum is {k}</source>
        <translation>策略要求至少 {k}</translation>
    </message>
    <message>
        <source>the policy sets no minimum; {k} is the usual one</source>
        <translation>策略未设下限，常用值为 {k}</translation>
    </message>
    <message>
        <source>{sheet}: k = {k} on {columns}: {rows} are in groups smaller than {threshold} ({minimum}); a recipient who knows these facts about a person can find their row (risk up to {risk:.0%}).</source>
        <translation>{sheet}：按 {columns} 分组，k = {k}：有 {rows}所在分组不足 {threshold} 行（{minimum}）；知道某人这些信息的接收方能找到他的那一行（风险最高 {risk:.0%}）。</translation>
    </message>
    <message>
        <source>{sheet}: {rows} with rare combinations are left out of the export.</source>
        <translation>{sheet} 中 {rows}稀有记录不导出。</translation>
    </message>
    <message>
        <source>Suggested: {changes}; leave out {rows} with rare combinations. Then k = {k}.</source>
        <translation>建议：{changes}；不导出 {rows}稀有记录。之后 k = {k}。</translation>
    </message>
    <message>
        <source>{column}: {step}</source>
        <translation>{column}：{step}</translation>
    </message>
    <message>
        <source>no column coarser</source>
        <translation>各列不变</translation>
    </message>
    <message>
        <source>Suggested: {changes}. Then k = {k}.</source>
        <translation>建议：{changes}。之后 k = {k}。</translation>
    </message>
    <message>
        <source>Suggestion accepted: the export generalizes {columns}.</source>
        <translation>已接受建议：导出时泛化 {columns}。</translation>
    </message>
</context>
<context>
    <name>roles</name>
    <message>
        <source>Direct identifier</source>
        <translation>直接标识符</translation>
    </message>
    <message>
        <source>Quasi-identifier</source>
        <translation>准标识符</translation>
    </message>
    <message>
        <source>Sensitive attribute</source>
        <translation>敏感属性</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Names a person by itself (name, phone, ID number). Counts towards the risk only when it leaves unchanged.</source>
        <translation>单凭它就能指向一个人（姓名、电话、身份证号）。只有原样导出时才计入风险。</translation>
    </message>
    <message>
        <source>Known about people from elsewhere (district, birth year, sex): together such columns can single a person out. The risk is measured on these.</source>
        <translation>别处也能知道的信息（区县、出生年份、性别）：几列合在一起就可能锁定一个人。风险按这些列测算。</translation>
    </message>
    <message>
        <source>What must not be learnt about a person (bills, arrears, health).</source>
        <translation>不应被他人得知的个人信息（电费、欠费、健康等）。</translation>
    </message>
    <message>
        <source>Not about a person, or not usable to find one.</source>
        <translation>与个人无关，或不能用来找到某个人。</translation>
    </message>
</context>
<context>
    <name>selection</name>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>a value not recorded (personal data)</source>
        <translation>未记录的值（个人信息）</translation>
    </message>
    <message>
        <source>all rows</source>
        <translation>全部行</translation>
    </message>
    <message>
        <source>rows {first} to {last}</source>
        <translation>第 {first} 行至第 {last} 行</translation>
    </message>
    <message>
        <source>the end</source>
        <translation>末尾</translation>
    </message>
    <message>
        <source>where {column} contains {value}</source>
        <translation>{column} 包含 {value} 的行</translation>
    </message>
    <message>
        <source>where {column} is {value}</source>
        <translation>{column} 等于 {value} 的行</translation>
    </message>
</context>
<context>
    <name>sheets</name>
    <message>
        <source>(hidden, cannot be unhidden in Excel)</source>
        <translation>（隐藏，Excel 中无法取消隐藏）</translation>
    </message>
    <message>
        <source>(hidden)</source>
        <translation>（隐藏）</translation>
    </message>
</context>
</TS>
