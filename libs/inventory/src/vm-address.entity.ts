import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An address a VM held over [validFrom, validTo); null bounds are open. */
@Entity('vm_addresses')
export class VmAddressEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('text', { name: 'vm_id' })
  vmId!: string;

  @Column('inet')
  ip!: string;

  @Column('timestamptz', { name: 'valid_from', nullable: true })
  validFrom!: Date | null;

  @Column('timestamptz', { name: 'valid_to', nullable: true })
  validTo!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
