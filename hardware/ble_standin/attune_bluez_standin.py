'''Attune's BlueZ stand-in: python-dbusmock's stock bluez5 template plus GATT objects.

Run on a private system bus (see tests/ble/bluez_fixture.hpp):
    DBUS_SYSTEM_BUS_ADDRESS=... /usr/bin/python3 -m dbusmock --template <this file> \
        -p '{"speed": 10}'

It exposes one adapter (hci0) and two peripherals that play generated notification streams:
  AA:BB:CC:00:00:01  "Attune HR Strap"       Heart Rate 0x180D (+ Battery 0x180F, 87 %)
  A0:9E:1A:00:00:02  "Polar H10 0A1B2C3D"    Heart Rate, Battery (93 %), Polar PMD (ECG, ACC)
and one bystander that is not a heart-rate sensor:
  11:22:33:44:55:66  "Kitchen Speaker"

Like BlueZ: Device1.Connect sets Connected and ServicesResolved and exports the GATT service
and characteristic objects (InterfacesAdded); Disconnect removes them. Notifications arrive as
PropertiesChanged(Value) on the characteristic after StartNotify. The PMD control point answers
writes with an indication (PropertiesChanged(Value) on the control point).

Heart-rate stream (both devices): a deterministic heart (RR 650..1100 ms in 1/1024 s), one
notification per strap second, cycling through the edge cases of the spec: 16-bit HR format,
energy expended present, several RR in one notification (the strap holds its RRs for a second),
no RR, and three seconds of lost skin contact (contact supported, not detected, no RR).
Time runs `speed` times faster than the wall clock (parameter "speed", default 1).

Test controls on interface org.attune.StandIn at /:
  Truth(address) -> a(dq)        every beat the strap measured: (strap time s, RR 1/1024 s),
                                 including beats whose notification was never delivered
  Notifications(address) -> u    how many HR notifications were delivered
  DropLink(address)              the strap goes out of range: link lost, GATT objects gone,
                                 reconnects fail until SetReachable(address, true)
  SetReachable(address, b)
  SilenceNotifications(address, b)  link stays up, notifications stop (or resume)
  PullAdapter() / PlugAdapter()  the USB dongle disappears (adapter and devices removed) / returns
  ConnectElsewhere(address)      another program on this computer connects the strap first
  PmdState(address) -> (bb)      (ECG running, ACC running) on the H10
  SetEcgRate(address, d)         the H10's true ECG rate (default 129.6 Hz)
  HaltPmd(address)               the H10 silently stops its ECG/ACC streams (HR continues)
'''

import math

import dbus
from gi.repository import GLib

from dbusmock import OBJECT_MANAGER_IFACE, mockobject
from dbusmock.templates import bluez5
# Re-export the stock template's D-Bus methods (AddAdapter, AddDevice, Pair, Connect, ...) so
# dbusmock registers them for this template too.
from dbusmock.templates.bluez5 import *  # noqa: F401,F403 pylint: disable=wildcard-import,unused-wildcard-import

BUS_NAME = bluez5.BUS_NAME
MAIN_OBJ = bluez5.MAIN_OBJ
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

STANDIN_IFACE = 'org.attune.StandIn'
GATT_SERVICE_IFACE = 'org.bluez.GattService1'
GATT_CHAR_IFACE = 'org.bluez.GattCharacteristic1'
BATTERY_IFACE = 'org.bluez.Battery1'
DEVICE_IFACE = bluez5.DEVICE_IFACE
ADAPTER_IFACE = bluez5.ADAPTER_IFACE


def uuid16(short):
    return f'0000{short:04x}-0000-1000-8000-00805f9b34fb'


HR_SERVICE = uuid16(0x180D)
HR_MEASUREMENT = uuid16(0x2A37)
BODY_SENSOR_LOCATION = uuid16(0x2A38)
BATTERY_SERVICE = uuid16(0x180F)
BATTERY_LEVEL = uuid16(0x2A19)
PMD_SERVICE = 'fb005c80-02e7-f387-1cad-8acd2d8df0c8'
PMD_CONTROL = 'fb005c81-02e7-f387-1cad-8acd2d8df0c8'
PMD_DATA = 'fb005c82-02e7-f387-1cad-8acd2d8df0c8'

HR_STRAP = 'AA:BB:CC:00:00:01'
POLAR_H10 = 'A0:9E:1A:00:00:02'
SPEAKER = '11:22:33:44:55:66'

# The H10's clock is often never set: 2019-01-01 00:00:28 in ns since 2000-01-01.
POLAR_CLOCK_START_NS = 599616028236586218

STATE = {}  # address -> Peripheral


# --------------------------------------------------------------------------------------------
# The simulated heart and its notifications
# --------------------------------------------------------------------------------------------

class Heart:
    '''Deterministic RR series (1/1024 s): sinus arrhythmia plus a slow wander.'''

    def __init__(self):
        self.k = 0
        self.t = 0.0  # strap time of the last beat, s
        self.beats = []  # (strap time, rr)

    def beats_until(self, strap_s):
        out = []
        while True:
            rr_ms = 820.0 + 150.0 * math.sin(self.k * 0.9) + 110.0 * math.sin(self.k * 0.05)
            rr = int(round(rr_ms * 1.024))
            if self.t + rr / 1024.0 > strap_s:
                return out
            self.k += 1
            self.t += rr / 1024.0
            self.beats.append((self.t, rr))
            out.append(rr)


def encode_hr(hr, rr_list, contact=True, sixteen_bit=False, energy=None):
    flags = 0x04 | (0x02 if contact else 0)
    body = []
    if sixteen_bit:
        flags |= 0x01
        body += [hr & 0xFF, hr >> 8]
    else:
        body += [hr & 0xFF]
    if energy is not None:
        flags |= 0x08
        body += [energy & 0xFF, energy >> 8]
    if rr_list:
        flags |= 0x10
        for rr in rr_list:
            body += [rr & 0xFF, rr >> 8]
    return [flags] + body


class Peripheral:
    def __init__(self, address, name, path, speed, polar=False):
        self.address = address
        self.name = name
        self.path = path
        self.speed = speed
        self.polar = polar
        self.reachable = True
        self.silenced = False
        self.connected = False
        self.heart = Heart()
        self.second = 0  # strap seconds elapsed (one HR notification per second)
        self.held_rr = []
        self.notified = 0
        self.energy = 0
        self.chars = {}  # uuid -> path
        self.notifying = set()
        self.hr_timer = GLib.timeout_add(max(1, int(1000 / speed)), self.tick_hr)
        self.ecg_rate = 129.6
        self.ecg_on = False
        self.acc_on = False
        self.ecg_sent = 0
        self.acc_sent = 0
        self.stream_timer = None
        self.stream_t0 = None

    # --- heart rate: the strap's second ticks whether or not anyone listens -------------------
    def tick_hr(self):
        self.second += 1
        rr = self.heart.beats_until(float(self.second))
        phase = self.second % 20
        contact = phase not in (12, 13, 14)
        if not contact:
            rr = []  # no RR without skin contact
            self.held_rr = []
        if phase == 7:  # the strap holds this second's RRs: next notification carries several
            self.held_rr += rr
            rr = []
            payload = None if not self.connected else encode_hr(70, [], contact)
        else:
            rr = self.held_rr + rr
            self.held_rr = []
            rr = rr[-9:]  # a 23-byte notification holds at most 9 RR; the oldest are dropped
            hr = int(round(60.0 * 1024.0 / rr[-1])) if rr else 70
            self.energy += 1
            payload = encode_hr(hr if contact else 0, rr, contact,
                                sixteen_bit=(phase == 3),
                                energy=(self.energy if self.second % 10 == 0 else None))
        if payload and self.connected and not self.silenced and HR_MEASUREMENT in self.notifying:
            self.notify(HR_MEASUREMENT, payload)
            self.notified += 1
        return True

    def notify(self, uuid, payload):
        path = self.chars.get(uuid)
        if path is None or path not in mockobject.objects:
            return
        obj = mockobject.objects[path]
        value = dbus.Array([dbus.Byte(b) for b in payload], signature='y')
        obj.props[GATT_CHAR_IFACE]['Value'] = value
        obj.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as', [
            GATT_CHAR_IFACE, {'Value': dbus.Array(value, signature='y', variant_level=1)}, []])

    # --- Polar PMD streams ---------------------------------------------------------------------
    def pmd_command(self, data):
        op = data[0] if data else 0
        mtype = data[1] if len(data) > 1 else 0xFF
        status = 0
        if op == 2 and mtype in (0, 2):
            if (mtype == 0 and self.ecg_on) or (mtype == 2 and self.acc_on):
                status = 6  # already in state
            elif mtype == 0:
                rate = data[4] | (data[5] << 8) if len(data) >= 6 else 0
                status = 0 if rate == 130 else 8
                self.ecg_on = status == 0
            else:
                self.acc_on = True
        elif op == 3 and mtype in (0, 2):
            if mtype == 0:
                status = 0 if self.ecg_on else 6
                self.ecg_on = False
            else:
                status = 0 if self.acc_on else 6
                self.acc_on = False
        elif op == 1 and mtype == 0:
            self.notify(PMD_CONTROL, [0xF0, 1, 0, 0, 0, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00])
            return
        else:
            status = 3 if op in (1, 2, 3) else 1
        self.notify(PMD_CONTROL, [0xF0, op, mtype, status, 0])
        if (self.ecg_on or self.acc_on) and self.stream_timer is None:
            self.stream_t0 = GLib.get_monotonic_time() / 1e6
            self.ecg_sent = self.acc_sent = 0
            self.stream_timer = GLib.timeout_add(max(1, int(50 / self.speed)), self.tick_streams)

    def tick_streams(self):
        if not (self.ecg_on or self.acc_on) or not self.connected:
            self.stream_timer = None
            return False
        strap_s = (GLib.get_monotonic_time() / 1e6 - self.stream_t0) * self.speed
        if self.ecg_on:
            # ECG frames of 73 samples; timestamps from the strap's own (true-rate) clock.
            while (self.ecg_sent + 73) / self.ecg_rate <= strap_s:
                samples = []
                for i in range(self.ecg_sent, self.ecg_sent + 73):
                    t = i / self.ecg_rate
                    # A crude ECG: an R spike of 1.2 mV once per 0.8 s on a 0.1 mV baseline wave.
                    uv = int(100 * math.sin(2 * math.pi * 0.3 * t) + (1200 if (i % 104) == 0 else 0))
                    samples += list((uv & 0xFFFFFF).to_bytes(3, 'little'))
                self.ecg_sent += 73
                ts = POLAR_CLOCK_START_NS + int(round((self.ecg_sent - 1) / self.ecg_rate * 1e9))
                if not self.silenced and PMD_DATA in self.notifying:
                    self.notify(PMD_DATA, [0x00] + list(ts.to_bytes(8, 'little')) + [0x00] + samples)
        if self.acc_on:
            while (self.acc_sent + 36) / 200.0 <= strap_s:
                samples = []
                for i in range(self.acc_sent, self.acc_sent + 36):
                    t = i / 200.0
                    z = int(949 + 30 * math.sin(2 * math.pi * 0.25 * t))  # breathing on z
                    for v in (-187, -28, z):
                        samples += list((v & 0xFFFF).to_bytes(2, 'little'))
                self.acc_sent += 36
                ts = POLAR_CLOCK_START_NS + int(round((self.acc_sent - 1) / 200.0 * 1e9))
                if not self.silenced and PMD_DATA in self.notifying:
                    self.notify(PMD_DATA, [0x02] + list(ts.to_bytes(8, 'little')) + [0x01] + samples)
        return True


# --------------------------------------------------------------------------------------------
# GATT objects (exported while connected, like BlueZ does for an unpaired LE device)
# --------------------------------------------------------------------------------------------

def emit_added(path, iface, props):
    mockobject.objects['/'].EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(path), {iface: props}])


def emit_removed(path, ifaces):
    mockobject.objects['/'].EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas', [
        dbus.ObjectPath(path), ifaces])


def peripheral_of(obj_path):
    for p in STATE.values():
        if obj_path.startswith(p.path + '/') or obj_path == p.path:
            return p
    raise dbus.exceptions.DBusException('no such device', name='org.bluez.Error.DoesNotExist')


def char_uuid(self):
    return str(self.props[GATT_CHAR_IFACE]['UUID'])


def gatt_read_value(self, _options):
    p = peripheral_of(self.path)
    uuid = char_uuid(self)
    if uuid == BATTERY_LEVEL:
        return dbus.Array([dbus.Byte(87 if not p.polar else 93)], signature='y')
    if uuid == PMD_CONTROL:
        return dbus.Array([dbus.Byte(b) for b in (0x0F, 0x05, 0x00)], signature='y')
    if uuid == BODY_SENSOR_LOCATION:
        return dbus.Array([dbus.Byte(1)], signature='y')  # chest
    return self.props[GATT_CHAR_IFACE]['Value']


def gatt_write_value(self, value, _options):
    p = peripheral_of(self.path)
    if char_uuid(self) != PMD_CONTROL:
        raise dbus.exceptions.DBusException('Write not permitted', name='org.bluez.Error.NotPermitted')
    if PMD_CONTROL not in p.notifying:
        raise dbus.exceptions.DBusException('indications not enabled on the control point',
                                            name='org.bluez.Error.NotPermitted')
    p.pmd_command([int(b) for b in value])


def set_notifying(self, on):
    self.props[GATT_CHAR_IFACE]['Notifying'] = dbus.Boolean(on)
    self.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as', [
        GATT_CHAR_IFACE, {'Notifying': dbus.Boolean(on, variant_level=1)}, []])


def gatt_start_notify(self):
    p = peripheral_of(self.path)
    p.notifying.add(char_uuid(self))
    set_notifying(self, True)


def gatt_stop_notify(self):
    p = peripheral_of(self.path)
    p.notifying.discard(char_uuid(self))
    set_notifying(self, False)


def add_gatt(p):
    services = [(HR_SERVICE, [(HR_MEASUREMENT, ['notify']), (BODY_SENSOR_LOCATION, ['read'])]),
                (BATTERY_SERVICE, [(BATTERY_LEVEL, ['read', 'notify'])])]
    if p.polar:
        services.append((PMD_SERVICE, [(PMD_CONTROL, ['read', 'write', 'indicate']),
                                       (PMD_DATA, ['notify'])]))
    manager = mockobject.objects['/']
    for si, (suuid, chars) in enumerate(services):
        spath = f'{p.path}/service{si + 1:04x}'
        sprops = {'UUID': dbus.String(suuid), 'Primary': dbus.Boolean(True),
                  'Device': dbus.ObjectPath(p.path), 'Includes': dbus.Array([], signature='o')}
        manager.AddObject(spath, GATT_SERVICE_IFACE, sprops, [])
        emit_added(spath, GATT_SERVICE_IFACE, sprops)
        for ci, (cuuid, flags) in enumerate(chars):
            cpath = f'{spath}/char{ci + 1:04x}'
            cprops = {'UUID': dbus.String(cuuid), 'Service': dbus.ObjectPath(spath),
                      'Value': dbus.Array([], signature='y'), 'Notifying': dbus.Boolean(False),
                      'Flags': dbus.Array(flags, signature='s')}
            manager.AddObject(cpath, GATT_CHAR_IFACE, cprops, [
                ('ReadValue', 'a{sv}', 'ay', gatt_read_value),
                ('WriteValue', 'aya{sv}', '', gatt_write_value),
                ('StartNotify', '', '', gatt_start_notify),
                ('StopNotify', '', '', gatt_stop_notify),
            ])
            emit_added(cpath, GATT_CHAR_IFACE, cprops)
            p.chars[cuuid] = cpath
    # BlueZ's battery plugin exports Battery1 on the device while it is connected.
    dev = mockobject.objects[p.path]
    battery = {'Percentage': dbus.Byte(93 if p.polar else 87)}
    dev.props[BATTERY_IFACE] = dict(battery)
    emit_added(p.path, BATTERY_IFACE, battery)


def remove_gatt(p):
    manager = mockobject.objects['/']
    for path in sorted([o for o in mockobject.objects if o.startswith(p.path + '/')], reverse=True):
        iface = GATT_CHAR_IFACE if '/char' in path else GATT_SERVICE_IFACE
        manager.RemoveObject(path)
        emit_removed(path, [iface])
    p.chars = {}
    p.notifying = set()
    dev = mockobject.objects.get(p.path)
    if dev is not None and BATTERY_IFACE in dev.props:
        del dev.props[BATTERY_IFACE]
        emit_removed(p.path, [BATTERY_IFACE])


def set_device_props(p, **props):
    dev = mockobject.objects[p.path]
    changed = {}
    for key, value in props.items():
        dev.props[DEVICE_IFACE][key] = value
        changed[key] = value.__class__(value, variant_level=1)
    dev.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as', [DEVICE_IFACE, changed, []])


def bring_up(p):
    p.connected = True
    set_device_props(p, Connected=dbus.Boolean(True))
    add_gatt(p)
    set_device_props(p, ServicesResolved=dbus.Boolean(True))


def take_down(p):
    p.connected = False
    p.ecg_on = p.acc_on = False
    if p.path in mockobject.objects:
        set_device_props(p, ServicesResolved=dbus.Boolean(False), Connected=dbus.Boolean(False))
    remove_gatt(p)


def device_connect(self):
    p = peripheral_of(self.path)
    if p.connected:
        raise dbus.exceptions.DBusException('Already Connected', name='org.bluez.Error.AlreadyConnected')
    if not p.reachable:
        # What BlueZ says when an LE device does not answer (out of range, or taken by a phone).
        raise dbus.exceptions.DBusException('le-connection-abort-by-local', name='org.bluez.Error.Failed')
    bring_up(p)


def device_disconnect(self):
    p = peripheral_of(self.path)
    if not p.connected:
        raise dbus.exceptions.DBusException('Not Connected', name='org.bluez.Error.NotConnected')
    take_down(p)


# --------------------------------------------------------------------------------------------
# Devices and the test controls
# --------------------------------------------------------------------------------------------

def add_peripheral(mock, address, name, uuids, rssi, speed, polar):
    path = bluez5.AddDevice(mock, 'hci0', address, name)
    dev = mockobject.objects[path]
    dev.props[DEVICE_IFACE]['UUIDs'] = dbus.Array(uuids, signature='s')
    dev.props[DEVICE_IFACE]['RSSI'] = dbus.Int16(rssi)
    dev.AddMethods(DEVICE_IFACE, [('Connect', '', '', device_connect),
                                  ('Disconnect', '', '', device_disconnect)])
    if uuids:
        STATE[address] = Peripheral(address, name, path, speed, polar)
    return path


def add_all_devices(mock):
    speed = mock.standin_speed
    bluez5.AddAdapter(mock, 'hci0', 'attune-test')
    add_peripheral(mock, HR_STRAP, 'Attune HR Strap', [HR_SERVICE, BATTERY_SERVICE], -58, speed, False)
    add_peripheral(mock, POLAR_H10, 'Polar H10 0A1B2C3D', [HR_SERVICE, BATTERY_SERVICE, PMD_SERVICE],
                   -64, speed, True)
    add_peripheral(mock, SPEAKER, 'Kitchen Speaker', [uuid16(0x110B)], -80, speed, False)


def load(mock, parameters):
    # dbusmock registers the main object only after load(); the stock helpers look it up.
    mockobject.objects.setdefault(MAIN_OBJ, mock)
    bluez5.load(mock, parameters)
    mock.standin_speed = float(parameters.get('speed', 1.0))
    add_all_devices(mock)
    mock.AddMethods(STANDIN_IFACE, [
        ('Truth', 's', 'a(dq)', standin_truth),
        ('Notifications', 's', 'u', lambda self, a: dbus.UInt32(STATE[a].notified)),
        ('DropLink', 's', '', standin_drop_link),
        ('SetReachable', 'sb', '', standin_set_reachable),
        ('SilenceNotifications', 'sb', '', standin_silence),
        ('PullAdapter', '', '', standin_pull_adapter),
        ('PlugAdapter', '', '', standin_plug_adapter),
        ('ConnectElsewhere', 's', '', lambda self, a: bring_up(STATE[a])),
        ('PmdState', 's', '(bb)', lambda self, a: (dbus.Boolean(STATE[a].ecg_on), dbus.Boolean(STATE[a].acc_on))),
        ('SetEcgRate', 'sd', '', standin_set_ecg_rate),
        ('HaltPmd', 's', '', standin_halt_pmd),
    ])


def standin_truth(_self, address):
    return dbus.Array([dbus.Struct((dbus.Double(t), dbus.UInt16(rr))) for t, rr in STATE[address].heart.beats],
                      signature='(dq)')


def standin_drop_link(_self, address):
    p = STATE[address]
    p.reachable = False
    take_down(p)


def standin_set_reachable(_self, address, reachable):
    STATE[address].reachable = bool(reachable)


def standin_silence(_self, address, silenced):
    STATE[address].silenced = bool(silenced)


def standin_halt_pmd(_self, address):
    # The strap silently drops its PMD streams (seen after firmware hiccups); HR continues.
    p = STATE[address]
    p.ecg_on = p.acc_on = False


def standin_set_ecg_rate(_self, address, rate):
    STATE[address].ecg_rate = float(rate)


def standin_pull_adapter(self):
    for p in STATE.values():
        p.connected = False
        p.ecg_on = p.acc_on = False
        p.chars = {}
        p.notifying = set()
        p.pulled = True
    bluez5.RemoveAdapterWithDevices(self, 'hci0')


def standin_plug_adapter(self):
    # The hearts keep beating while the adapter is gone; new device objects, same hearts.
    old = dict(STATE)
    for p in old.values():
        GLib.source_remove(p.hr_timer)
    STATE.clear()
    add_all_devices(self)
    for address, p in old.items():
        q = STATE[address]
        q.heart, q.second, q.notified, q.ecg_rate = p.heart, p.second, p.notified, p.ecg_rate
