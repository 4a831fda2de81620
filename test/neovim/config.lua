-- GreenML language server driven by Neovim's built-in LSP client (0.7.x, headless): a second real
-- client besides VS Code. Run as
--   nvim --headless --noplugin -i NONE -n -u test/neovim/config.lua -c 'cquit 3'
-- (the config ends Neovim itself; `-c 'cquit 3'` only runs if it died of a Lua error first, which
-- would otherwise leave headless Neovim waiting forever).
-- Every result is one line on stdout, `GREENML-NVIM <status> <check> <detail>`, status being
-- ok, fail or info; the last line is `GREENML-NVIM done pass` or `GREENML-NVIM done fail <count>`,
-- and the exit code is 0 only on pass. test/neovim/neovim.test.ts runs this and parses the lines.
--
-- Environment (all optional):
--   GREENML_NVIM_SERVER   the server bundle (default: <repo>/dist/server.js)
--   GREENML_NVIM_NODE     the node executable (default: node)
--   GREENML_NVIM_WORKDIR  an empty directory the fixtures are copied into (default: a new temp dir);
--                         the buffers edited are these copies, never the files in the repository
--   GREENML_NVIM_TIMEOUT  milliseconds each wait may take (default: 10000)
--   GREENML_NVIM_LOG      Neovim's LSP log level, e.g. debug to see every message (default: warn);
--                         the log is vim.lsp.get_log_path(), under $XDG_CACHE_HOME/nvim

local PREFIX = 'GREENML-NVIM'
local failures = 0
local started = vim.loop.hrtime()

local function one_line(text)
  return (tostring(text):gsub('[\r\n]+', ' \\n '))
end

local function emit(status, check, detail)
  io.stdout:write(string.format('%s %s %s %s\n', PREFIX, status, check, one_line(detail or '')))
  io.stdout:flush()
end

local function ok(check, detail) emit('ok', check, detail) end
local function info(check, detail) emit('info', check, detail) end
local function fail(check, detail)
  failures = failures + 1
  emit('fail', check, detail)
end

local function ms_since(t0)
  return math.floor((vim.loop.hrtime() - t0) / 1e6 + 0.5)
end

--- Checks `cond`; on failure records `message` (a string, or a function giving one). Returns cond.
local function expect(check, cond, message, detail)
  if cond then
    ok(check, detail)
  else
    fail(check, type(message) == 'function' and message() or message)
  end
  return cond
end

local function finish()
  info('timing.total', string.format('%d ms', ms_since(started)))
  if failures == 0 then
    emit('done', 'pass', '')
    vim.cmd('qall!')
  else
    emit('done', 'fail', tostring(failures))
    vim.cmd('cquit 1')
  end
end

-- ---------------------------------------------------------------------------------------------
-- Paths and environment

local here = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h')
local repo = vim.fn.fnamemodify(here, ':h:h')
local fixture_dir = here .. '/fixture'
local server = os.getenv('GREENML_NVIM_SERVER') or (repo .. '/dist/server.js')
local node = os.getenv('GREENML_NVIM_NODE') or 'node'
local timeout = tonumber(os.getenv('GREENML_NVIM_TIMEOUT') or '') or 10000
local workdir = os.getenv('GREENML_NVIM_WORKDIR')
if not workdir or workdir == '' then workdir = vim.fn.tempname() end
vim.fn.mkdir(workdir, 'p')

-- Nothing may be written next to the files (swap, undo, backup) or to the user's state.
vim.o.swapfile = false
vim.o.undofile = false
vim.o.backup = false
vim.o.writebackup = false
vim.o.shadafile = 'NONE'
vim.o.more = false
vim.lsp.set_log_level(os.getenv('GREENML_NVIM_LOG') or 'warn')
-- Only what this run adds to the client's log counts (the runner gives each run its own cache dir).
local log_path = vim.lsp.get_log_path()
local log_start = vim.fn.getfsize(log_path)
if log_start < 0 then log_start = 0 end

local function read_file(path)
  local f = io.open(path, 'rb')
  if not f then return nil end
  local text = f:read('*a')
  f:close()
  return text
end

local function buffer_text(bufnr)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if vim.api.nvim_buf_get_option(bufnr, 'eol') then text = text .. '\n' end
  return text
end

--- Where two texts first differ, for a readable failure message.
local function first_difference(got, want)
  local got_lines, want_lines = vim.split(got, '\n', true), vim.split(want, '\n', true)
  for i = 1, math.max(#got_lines, #want_lines) do
    if got_lines[i] ~= want_lines[i] then
      return string.format('line %d: got %q, expected %q', i, got_lines[i] or '<none>', want_lines[i] or '<none>')
    end
  end
  return 'texts are equal'
end

-- ---------------------------------------------------------------------------------------------
-- Anything Neovim reports while talking to the server is a finding: client errors, handler errors
-- shown through vim.notify, and error/warning messages the server logs.

local notifications = {}
local original_notify = vim.notify
vim.notify = function(message, level, opts)
  level = level or vim.log.levels.INFO
  table.insert(notifications, { message = message, level = level })
  if level >= vim.log.levels.WARN then
    fail('neovim.notify', string.format('Neovim reported (level %d): %s', level, message))
  else
    info('neovim.notify', message)
  end
  return original_notify(message, level, opts)
end

local exit_status = nil
local server_logs = {}

local handlers = {
  ['window/logMessage'] = function(_, result)
    table.insert(server_logs, result)
    -- 1 = Error, 2 = Warning: the server logs these for internal failures and invalid settings.
    if result.type <= 2 then
      fail('server.log', string.format('server logged (type %d): %s', result.type, result.message))
    else
      info('server.log', result.message)
    end
  end,
  ['window/showMessage'] = function(_, result)
    if result.type <= 2 then
      fail('server.showMessage', result.message)
    else
      info('server.showMessage', result.message)
    end
  end,
}

-- ---------------------------------------------------------------------------------------------
-- The client, started by main()

local client_id, client, namespace

--- Starts the client and checks how Neovim resolved the server's capabilities. Returns true when
--- the client is initialised.
local function start_client()
  local t_start = vim.loop.hrtime()
  client_id = vim.lsp.start_client({
    name = 'greenml',
    cmd = { node, server, '--stdio' },
    root_dir = workdir,
    handlers = handlers,
    on_error = function(code, err)
      fail('client.rpc', string.format('client error %s: %s', tostring(vim.lsp.client_errors[code] or code), vim.inspect(err)))
    end,
    on_exit = function(code, signal)
      exit_status = { code = code, signal = signal }
    end,
  })
  if not expect('client.start', client_id ~= nil, 'vim.lsp.start_client returned nil (is ' .. node .. ' executable, does ' .. server .. ' exist?)') then
    return false
  end

  client = vim.lsp.get_client_by_id(client_id)
  local initialized = vim.wait(timeout, function()
    return (client and client.initialized) or exit_status ~= nil
  end, 10)
  if not expect('client.initialize', initialized and client.initialized, function()
    if exit_status then return 'the server exited before answering initialize: ' .. vim.inspect(exit_status) end
    return string.format('no initialize result within %d ms', timeout)
  end, string.format('%d ms', ms_since(t_start))) then
    return false
  end
  info('timing.initialize', string.format('%d ms', ms_since(t_start)))
  info('server.capabilities', vim.json.encode(client.server_capabilities))
  info('client.offset_encoding', client.offset_encoding)

  local resolved = client.resolved_capabilities
  expect('capabilities.sync', resolved.text_document_open_close == true and resolved.text_document_did_change == vim.lsp.protocol.TextDocumentSyncKind.Incremental,
    'Neovim did not resolve textDocumentSync to openClose + incremental: ' .. vim.inspect({ resolved.text_document_open_close, resolved.text_document_did_change }))
  expect('capabilities.codeAction', resolved.code_action ~= nil and resolved.code_action ~= false,
    'Neovim resolved no code action support from codeActionProvider: ' .. vim.inspect(client.server_capabilities.codeActionProvider))
  expect('capabilities.noPull', client.server_capabilities.diagnosticProvider == nil,
    'the server announced diagnosticProvider (pull) to a client without textDocument.diagnostic: '
      .. vim.inspect(client.server_capabilities.diagnosticProvider))
  expect('capabilities.encoding', client.offset_encoding == 'utf-16',
    'offset encoding is ' .. tostring(client.offset_encoding) .. ', expected utf-16 (the server announces none)')

  namespace = vim.lsp.diagnostic.get_namespace(client_id)
  return true
end

local function describe_diagnostics(list)
  return vim.inspect(vim.tbl_map(function(d)
    return { code = d.code, source = d.source, lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col, severity = d.severity }
  end, list))
end

-- ---------------------------------------------------------------------------------------------
-- One fixture: open it, wait for the pushed diagnostic, check it, ask for code actions on its line,
-- apply the chosen action with apply_workspace_edit, compare the buffer with <file>.fixed, and wait
-- until the server, told of the edit by Neovim's didChange, withdraws the diagnostic.

local function check_fixture(spec)
  local name = spec.name
  local source = fixture_dir .. '/' .. spec.file
  local path = workdir .. '/' .. spec.file
  local original = read_file(source)
  local expected = read_file(source .. '.fixed')
  if not expect(name .. '.fixture', original and expected, 'cannot read ' .. source .. ' or ' .. source .. '.fixed') then return end
  local out = assert(io.open(path, 'wb'))
  out:write(original)
  out:close()

  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(bufnr)
  local t_open = vim.loop.hrtime()
  if not expect(name .. '.attach', vim.lsp.buf_attach_client(bufnr, client_id), 'vim.lsp.buf_attach_client failed for ' .. path) then return end

  local function diagnostics()
    return vim.diagnostic.get(bufnr, { namespace = namespace })
  end
  local arrived = vim.wait(timeout, function() return #diagnostics() > 0 or exit_status ~= nil end, 10)
  if not expect(name .. '.diagnostics.arrive', arrived and #diagnostics() > 0, function()
    return string.format('no diagnostics pushed for %s within %d ms (server exit: %s)', uri, timeout, vim.inspect(exit_status))
  end, string.format('%d ms', ms_since(t_open))) then return end
  info('timing.' .. name .. '.diagnostics', string.format('%d ms', ms_since(t_open)))

  local all = diagnostics()
  expect(name .. '.diagnostics.count', #all == 1, function()
    return 'expected exactly one diagnostic, got ' .. describe_diagnostics(all)
  end)
  local d = vim.tbl_filter(function(x) return x.code == spec.rule end, all)[1]
  if not expect(name .. '.diagnostic.code', d ~= nil, function()
    return 'no diagnostic with code ' .. spec.rule .. ': ' .. describe_diagnostics(all)
  end) then return end
  local lsp_data = (d.user_data and d.user_data.lsp) or {}
  expect(name .. '.diagnostic.source', d.source == 'greenml', 'source is ' .. vim.inspect(d.source) .. ', expected "greenml"')
  -- vim.diagnostic positions are 0-based; columns are byte offsets that Neovim converted from the
  -- UTF-16 characters on the wire.
  local want = spec.range
  local got = { d.lnum, d.col, d.end_lnum, d.end_col }
  expect(name .. '.diagnostic.range', vim.deep_equal(got, want), function()
    return string.format('range (0-based line, byte col) is %s, expected %s', vim.inspect(got), vim.inspect(want))
  end, string.format('line %d col %d (1-based)', d.lnum + 1, d.col + 1))
  expect(name .. '.diagnostic.severity', d.severity == vim.diagnostic.severity.WARN, 'severity is ' .. tostring(d.severity) .. ', expected WARN')
  for _, pattern in ipairs(spec.message) do
    expect(name .. '.diagnostic.message', d.message:find(pattern, 1, true) ~= nil,
      string.format('message does not contain %q: %q', pattern, d.message))
  end
  local href = lsp_data.codeDescription and lsp_data.codeDescription.href
  expect(name .. '.diagnostic.codeDescription', type(href) == 'string' and href:find('/docs/rules/' .. spec.rule .. '.md', 1, true) ~= nil,
    'codeDescription.href is ' .. vim.inspect(href))
  expect(name .. '.diagnostic.data', type(lsp_data.data) == 'table' and lsp_data.data.rule == spec.rule,
    'data is ' .. vim.inspect(lsp_data.data))
  if spec.data_has_fix ~= nil then
    -- Neovim decodes JSON null inside objects to nil: {"fix": null} arrives (and is sent back) as {}.
    info(name .. '.diagnostic.data.fix', 'data as Neovim holds it: ' .. vim.inspect(lsp_data.data))
  end

  -- Code actions for the diagnostic's line, the way vim.lsp.buf.code_action() asks: the cursor
  -- position as range, the line's diagnostics (converted back to LSP by Neovim) as context.
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, d.lnum, nil, client_id) }
  local t_actions = vim.loop.hrtime()
  local responses, request_error = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, timeout)
  info('timing.' .. name .. '.codeAction', string.format('%d ms', ms_since(t_actions)))
  local response = responses and responses[client_id]
  if not expect(name .. '.codeAction.response', response ~= nil and response.err == nil, function()
    return 'textDocument/codeAction failed: ' .. vim.inspect(request_error or (response and response.err) or 'no response within ' .. timeout .. ' ms')
  end) then return end
  local actions = response.result or {}
  local titles = vim.tbl_map(function(a) return a.title end, actions)
  info(name .. '.codeAction.titles', table.concat(titles, ' | '))
  for _, title in ipairs(spec.titles) do
    expect(name .. '.codeAction.offered', vim.tbl_contains(titles, title),
      string.format('no code action titled %q; got: %s', title, vim.inspect(titles)), title)
  end
  local action
  for _, a in ipairs(actions) do
    if a.title == spec.apply then action = a end
  end
  if not expect(name .. '.codeAction.found', action ~= nil, string.format('no code action titled %q to apply; got %s', spec.apply, vim.inspect(titles))) then return end
  expect(name .. '.codeAction.kind', action.kind == 'quickfix', 'kind is ' .. vim.inspect(action.kind) .. ', expected "quickfix"')
  if not expect(name .. '.codeAction.edit', type(action.edit) == 'table',
    'the action has no edit; Neovim 0.7 would need codeAction/resolve, which the server does not offer: ' .. vim.inspect(action)) then return end
  local changes = action.edit.changes or {}
  expect(name .. '.codeAction.uri', changes[uri] ~= nil, function()
    return string.format('the edit does not change %s (the URI Neovim sent); it changes %s', uri, vim.inspect(vim.tbl_keys(changes)))
  end)

  local applied, apply_error = pcall(vim.lsp.util.apply_workspace_edit, action.edit, client.offset_encoding)
  if not expect(name .. '.edit.apply', applied, 'apply_workspace_edit raised: ' .. tostring(apply_error)) then return end
  local text = buffer_text(bufnr)
  expect(name .. '.edit.text', text == expected, function()
    return 'buffer after the edit differs from ' .. spec.file .. '.fixed: ' .. first_difference(text, expected)
  end)

  -- Neovim sends the edit as an incremental didChange (debounced); the server re-analyses and pushes.
  local t_change = vim.loop.hrtime()
  local cleared = vim.wait(timeout, function() return #diagnostics() == 0 or exit_status ~= nil end, 10)
  expect(name .. '.diagnostics.cleared', cleared and #diagnostics() == 0, function()
    return string.format('after the edit the server still reports %s (server exit: %s)', describe_diagnostics(diagnostics()), vim.inspect(exit_status))
  end, string.format('%d ms', ms_since(t_change)))
  info('timing.' .. name .. '.cleared', string.format('%d ms', ms_since(t_change)))
end

local FP32_MESSAGE = { 'trains in full fp32', 'bf16=True' }
local FIXTURES = {
  {
    name = 'train',
    file = 'train.py',
    rule = 'no-mixed-precision',
    -- `args = TrainingArguments(...)` on line 4: the call spans characters 7..62 (0-based, end exclusive).
    range = { 3, 7, 3, 62 },
    message = FP32_MESSAGE,
    titles = { 'Ignore no-mixed-precision on this line', 'Show documentation for no-mixed-precision' },
    apply = 'Train with bf16 mixed precision (bf16=True) (changes results)',
  },
  {
    name = 'unicode',
    file = 'unicode.py',
    rule = 'no-mixed-precision',
    -- "résumé-🌱" is 9 UTF-16 code units and 13 bytes: the server's end character 68 is byte 72.
    range = { 3, 7, 3, 72 },
    message = FP32_MESSAGE,
    titles = { 'Ignore no-mixed-precision on this line' },
    apply = 'Train with bf16 mixed precision (bf16=True) (changes results)',
  },
  {
    name = 'nofix',
    file = 'data_parallel.py',
    rule = 'data-parallel',
    range = { 3, 8, 3, 40 },
    message = { 'DistributedDataParallel' },
    data_has_fix = false,
    titles = { 'Show documentation for data-parallel' },
    apply = 'Ignore data-parallel on this line',
  },
}


local function main()
  if not start_client() then return end
  for _, spec in ipairs(FIXTURES) do
    check_fixture(spec)
  end

  -- Shut down: shutdown request, exit notification; the server process must end with code 0.
  local t_stop = vim.loop.hrtime()
  client.stop()
  local stopped = vim.wait(timeout, function() return exit_status ~= nil end, 10)
  expect('server.exit', stopped and exit_status.code == 0 and exit_status.signal == 0, function()
    return 'after shutdown/exit the server ' .. (stopped and ('exited with ' .. vim.inspect(exit_status)) or ('was still running after ' .. timeout .. ' ms'))
  end, string.format('%d ms', ms_since(t_stop)))

  -- The client's log (warnings and errors only) names protocol problems Neovim swallowed.
  local log = (read_file(log_path) or ''):sub(log_start + 1)
  for line in log:gmatch('[^\n]+') do
    if line:find('%[ERROR%]') or line:find('%[WARN') then
      fail('neovim.lsplog', line)
    end
  end
end

-- A Lua error at the top level would leave headless Neovim running: everything runs protected, and
-- the run always ends in finish().
local ran, crash = xpcall(main, debug.traceback)
if not ran then fail('config.error', crash) end
finish()
