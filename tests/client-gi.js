// libvirtbus through its typelib in GJS: run by tests/test-client-gi.c
// (gjs tests/client-gi.js, with VB_ADDRESS, GI_TYPELIB_PATH and
// LD_LIBRARY_PATH set) against a virtbusd holding the test-driver domains
// web1 and db1. Prints one line per step; exits 1 with the reason on the
// first thing that is not as it should be.
imports.gi.versions.Virtbus = '1.0';
const {GLib, Virtbus} = imports.gi;
const System = imports.system;

function check(condition, what) {
    if (!condition)
        throw new Error(what);
}

// Runs the default main context (the client's signals come there) until
// predicate() holds.
function waitUntil(predicate, what) {
    const context = GLib.MainContext.default();
    const end = GLib.get_monotonic_time() + 10 * 1000000;
    while (!predicate()) {
        check(GLib.get_monotonic_time() < end, `timed out waiting for ${what}`);
        context.iteration(false);
        GLib.usleep(1000);
    }
}

function expectError(code, call) {
    try {
        call();
    } catch (e) {
        check(e instanceof GLib.Error && e.matches(Virtbus.error_quark(), code),
            `expected error ${code}, got ${e}`);
        return Virtbus.error_get_message(e);
    }
    throw new Error(`expected error ${code}, the call succeeded`);
}

function main() {
    const client = Virtbus.Client.new_for_address_sync(GLib.getenv('VB_ADDRESS'), null);
    const names = client.get_object_manager().get_objects()
        .map(object => object.get_domain())
        .filter(domain => domain !== null)
        .map(domain => domain.name)
        .sort();
    print(`domains: ${names.join(' ')}`);

    const domain = client.lookup_domain('web1');
    domain.call_start_sync(0, null);
    waitUntil(() => domain.state === 'running', 'web1 running');
    print(`web1: ${domain.state} ${domain.state_reason}`);

    print(`nope: ${expectError(Virtbus.Error.NOT_FOUND, () => client.lookup_domain('nope'))}`);
    const again = expectError(Virtbus.Error.OPERATION_INVALID,
        () => domain.call_start_sync(0, null));
    check(!again.startsWith('GDBus.Error'), again);
    print('start again: OperationInvalid');
}

try {
    main();
} catch (e) {
    printerr(`client-gi.js: ${e}`);
    System.exit(1);
}
