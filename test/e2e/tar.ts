/**
 * A minimal ustar writer: one regular file per entry with owner, group and mode — what Docker's
 * `PUT /containers/{id}/archive` needs to place a declared upload exactly as the Pulumi provider does.
 */
export interface TarFile {
    /** Path inside the archive, without a leading slash. */
    name: string;
    content: Buffer;
    mode: number;
    uid: number;
    gid: number;
}

function octal(value: number, width: number): string {
    return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(file: TarFile): Buffer {
    const block = Buffer.alloc(512, 0);
    if (Buffer.byteLength(file.name) > 100) throw new Error(`tar: name longer than 100 bytes: ${file.name}`);
    block.write(file.name, 0, 100, "utf8");
    block.write(octal(file.mode, 8), 100, 8, "ascii");
    block.write(octal(file.uid, 8), 108, 8, "ascii");
    block.write(octal(file.gid, 8), 116, 8, "ascii");
    block.write(octal(file.content.length, 12), 124, 12, "ascii");
    block.write(octal(Math.floor(Date.now() / 1000), 12), 136, 12, "ascii");
    block.write("        ", 148, 8, "ascii"); // checksum placeholder: eight spaces
    block.write("0", 156, 1, "ascii"); // regular file
    block.write("ustar\0", 257, 6, "ascii");
    block.write("00", 263, 2, "ascii");
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(octal(sum, 7) + " ", 148, 8, "ascii");
    return block;
}

export function tarArchive(files: TarFile[]): Buffer {
    const parts: Buffer[] = [];
    for (const file of files) {
        parts.push(header(file), file.content);
        const pad = (512 - (file.content.length % 512)) % 512;
        parts.push(Buffer.alloc(pad, 0));
    }
    parts.push(Buffer.alloc(1024, 0));
    return Buffer.concat(parts);
}
